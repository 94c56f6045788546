import { rejection } from '../../test/harness/rejection';
import { defaultBounds } from '../../common/entities/limits';
import { buildAction } from './action-input';

const context = { namespace: 'guest', name: 'hello', bounds: defaultBounds(512), now: 1000 };
const code = 'function main(p) { return p; }';

describe('buildAction', () => {
  it('creates an action with OpenWhisk defaults and controller annotations', () => {
    const doc = buildAction({ exec: { kind: 'nodejs:20', code }, namespace: 'ignored', extra: 1 }, context);
    expect(doc).toMatchObject({
      entityType: 'action',
      namespace: 'guest',
      name: 'hello',
      version: '0.0.1',
      publish: false,
      exec: { kind: 'nodejs:20', code, binary: false },
      limits: { timeout: 60000, memory: 256, logs: 10, concurrency: 1 },
      updated: 1000,
    });
    expect(doc.annotations).toEqual(
      expect.arrayContaining([{ key: 'exec', value: 'nodejs:20' }, { key: 'provide-api-key', value: false }]),
    );
  });

  it('computes binary for base64 code instead of trusting the client', () => {
    const doc = buildAction({ exec: { kind: 'nodejs:default', code: Buffer.from('PK zip bytes!').toString('base64'), binary: false } }, context);
    expect(doc.exec).toMatchObject({ kind: 'nodejs:20', binary: true });
  });

  it('bumps the patch version on update, replaces parameters, merges limits and annotations', () => {
    const first = buildAction(
      { exec: { kind: 'nodejs:20', code }, parameters: [{ key: 'a', value: 1 }], limits: { timeout: 1000 }, annotations: [{ key: 'x', value: 1 }] },
      context,
    );
    const second = buildAction({ parameters: [{ key: 'b', value: 2 }], limits: { memory: 128 }, annotations: [{ key: 'y', value: 2 }], delAnnotations: ['x'] }, context, first);
    expect(second.version).toBe('0.0.2');
    expect(second.parameters).toEqual([{ key: 'b', value: 2 }]);
    expect(second.limits).toMatchObject({ timeout: 1000, memory: 128 });
    expect(second.annotations.map((a) => a.key).sort()).toEqual(['exec', 'provide-api-key', 'y']);
    expect(second.exec).toEqual(first.exec);
  });

  it.each([
    [{}, 400, 'exec undefined'],
    [{ exec: 'x' }, 400, "'exec' must be an object"],
    [{ exec: { code } }, 400, "'kind' must be a string defined in 'exec'"],
    [{ exec: { kind: 'cobol:1', code } }, 400, "The specified runtime 'cobol:1' is not supported"],
    [{ exec: { kind: 'nodejs:20' } }, 400, "'code' must be a non-empty string"],
    [{ exec: { kind: 'nodejs:20', code }, parameters: {} }, 400, "'parameters' must be an array"],
    [{ exec: { kind: 'nodejs:20', code }, parameters: [{ value: 1 }] }, 400, "'parameters[0].key' must be a non-empty string"],
    [{ exec: { kind: 'nodejs:20', code }, limits: { memory: 1024 } }, 400, 'memory size 1024 MB exceeds allowed threshold of 512 MB'],
    [{ exec: { kind: 'nodejs:20', code }, limits: { timeout: 50 } }, 400, 'duration 50 milliseconds below allowed threshold of 100 milliseconds'],
    [{ exec: { kind: 'nodejs:20', code }, limits: { timeout: '1000' } }, 400, "'limits.timeout' must be an integer"],
    [{ exec: { kind: 'nodejs:20', code }, version: 3 }, 400, "'version' must be a semantic version"],
    [{ exec: { kind: 'nodejs:20', code }, publish: 'yes' }, 400, "'publish' must be a boolean"],
  ])('rejects %j', (body, status, message) => {
    const error = rejection(() => buildAction(body as Record<string, unknown>, context));
    expect(error.status).toBe(status);
    expect(error.message).toContain(message);
  });

  it('keeps concurrency at 1 by default, and allows more for nodejs kinds only once the system maximum is raised', () => {
    expect(rejection(() => buildAction({ exec: { kind: 'nodejs:20', code }, limits: { concurrency: 5 } }, context)).message).toBe(
      'concurrency 5 exceeds allowed threshold of 1',
    );
    const raised = { ...context, bounds: defaultBounds(512, 500) };
    expect(buildAction({ exec: { kind: 'nodejs:20', code }, limits: { concurrency: 500 } }, raised).limits.concurrency).toBe(500);
    const python = rejection(() => buildAction({ exec: { kind: 'python:3.11', code }, limits: { concurrency: 2 } }, raised));
    expect(python.status).toBe(400);
    expect(python.message).toBe("concurrency 2 exceeds allowed threshold of 1 for kind 'python:3.11': only nodejs actions run activations concurrently");
    const blackbox = rejection(() => buildAction({ exec: { kind: 'blackbox', image: 'me/img:1' }, limits: { concurrency: 2 } }, raised));
    expect(blackbox.status).toBe(400);
    // Updating a python action's limits alone is checked against its kind too.
    const existing = buildAction({ exec: { kind: 'python:3.11', code } }, raised);
    expect(rejection(() => buildAction({ limits: { concurrency: 3 } }, raised, existing)).status).toBe(400);
    expect(buildAction({ exec: { kind: 'python:3.11', code }, limits: { concurrency: 1 } }, raised).limits.concurrency).toBe(1);
  });

  it('answers 413 for parameters over 1 MB', () => {
    const big = [{ key: 'a', value: 'x'.repeat(1024 * 1024) }];
    const error = rejection(() => buildAction({ exec: { kind: 'nodejs:20', code }, parameters: big }, context));
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/^parameters larger than allowed: \d+ > 1048576 bytes\.$/);
  });
});
