import { rejection } from '../../test/harness/rejection';
import { defaultBounds } from '../../common/entities/limits';
import { buildAction } from './action-input';

// limits.gpu (DESIGN.md §8): validated against the system maxima at create and update.

const context = { namespace: 'guest', name: 'llm', bounds: defaultBounds(512, 1, { maxMemory: 24_000, maxCount: 2 }), now: 1000 };
const exec = { kind: 'nodejs:20', code: 'function main(p) { return p; }' };

describe('limits.gpu', () => {
  it('is absent unless asked for: such an action never gets a GPU', () => {
    expect(buildAction({ exec }, context).limits.gpu).toBeUndefined();
  });

  it('takes memory per device and a count, which defaults to 1', () => {
    expect(buildAction({ exec, limits: { gpu: { memory: 8000 } } }, context).limits).toMatchObject({ memory: 256, gpu: { memory: 8000, count: 1 } });
    expect(buildAction({ exec, limits: { gpu: { memory: 24_000, count: 2 } } }, context).limits.gpu).toEqual({ memory: 24_000, count: 2 });
  });

  it('takes a keepWarm hint from 0 to 16', () => {
    expect(buildAction({ exec, limits: { gpu: { memory: 8000, keepWarm: 2 } } }, context).limits.gpu).toEqual({ memory: 8000, count: 1, keepWarm: 2 });
    expect(buildAction({ exec, limits: { gpu: { memory: 8000, keepWarm: 0 } } }, context).limits.gpu).toEqual({ memory: 8000, count: 1 });
    expect(rejection(() => buildAction({ exec, limits: { gpu: { memory: 8000, keepWarm: 17 } } }, context))).toEqual({ status: 400, message: 'limits.gpu.keepWarm 17 exceeds allowed threshold of 16' });
    expect(rejection(() => buildAction({ exec, limits: { gpu: { memory: 8000, keepWarm: -1 } } }, context)).status).toBe(400);
  });

  it('is kept on an update that does not name it, and removed by null', () => {
    const created = buildAction({ exec, limits: { gpu: { memory: 8000 } } }, context);
    expect(buildAction({ limits: { timeout: 1000 } }, context, created).limits.gpu).toEqual({ memory: 8000, count: 1 });
    expect(buildAction({ limits: { gpu: null } }, context, created).limits.gpu).toBeUndefined();
  });

  it.each([
    [{ memory: 24_001 }, 400, 'limits.gpu.memory 24001 MB exceeds allowed threshold of 24000 MB'],
    [{ memory: 8000, count: 3 }, 400, 'limits.gpu.count 3 exceeds allowed threshold of 2'],
    [{ memory: 0 }, 400, 'limits.gpu.memory 0 must be at least 1'],
    [{ memory: -5 }, 400, 'limits.gpu.memory -5 must be at least 1'],
    [{ memory: 8000, count: 0 }, 400, 'limits.gpu.count 0 must be at least 1'],
  ])('refuses %j with a 400 naming the field', (gpu, status, message) => {
    expect(rejection(() => buildAction({ exec, limits: { gpu } }, context))).toEqual({ status, message });
  });

  it.each([[{ memory: 1.5 }], [{ memory: '8000' }], [{}], [{ memory: 8000, count: 1.5 }], [8000], [[8000]]])('refuses a malformed %j with a 400 naming the field', (gpu) => {
    const error = rejection(() => buildAction({ exec, limits: { gpu } }, context));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/'limits\.gpu(\.memory|\.count)?' must be/);
  });
});
