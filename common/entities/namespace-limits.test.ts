import fc from 'fast-check';
import { defaultBounds } from './limits';
import { LIMIT_FIELD_NAMES, actionBoundsOf, boundsOrderProblem, effectiveLimits, isKindAllowed, limitValueProblem, patchLimits, type SystemLimits } from './namespace-limits';

const system: SystemLimits = { invocationsPerMinute: 6000, concurrentInvocations: 500, firesPerMinute: 6000, bounds: defaultBounds(512) };

describe('effective namespace limits', () => {
  it('are the system defaults when the namespace sets nothing', () => {
    expect(effectiveLimits(undefined, system)).toEqual({
      invocationsPerMinute: 6000,
      concurrentInvocations: 500,
      firesPerMinute: 6000,
      minActionMemory: 128,
      maxActionMemory: 512,
      minActionTimeout: 100,
      maxActionTimeout: 300000,
      minActionLogs: 0,
      maxActionLogs: 10,
      minActionConcurrency: 1,
      maxActionConcurrency: 1,
      maxActionGpuMemory: 81920,
      maxActionGpuCount: 8,
      maxParameterSize: '1 MB',
      storeActivations: true,
    });
  });

  it('take the namespace value over the system one, and narrow the action bounds', () => {
    const limits = effectiveLimits({ invocationsPerMinute: 2, concurrentInvocations: 0, firesPerMinute: 7, maxActionMemory: 256, minActionTimeout: 1000, allowedKinds: ['nodejs:20'], storeActivations: false }, system);
    expect(limits).toMatchObject({ invocationsPerMinute: 2, concurrentInvocations: 0, firesPerMinute: 7, maxActionMemory: 256, minActionTimeout: 1000, allowedKinds: ['nodejs:20'], storeActivations: false });
    expect(actionBoundsOf(limits)).toEqual({ memory: { min: 128, max: 256 }, timeout: { min: 1000, max: 300000 }, logs: { min: 0, max: 10 }, concurrency: { min: 1, max: 1 }, gpu: { maxMemory: 81920, maxCount: 8 } });
  });

  it('never widen the system range, and keep min at most max', () => {
    fc.assert(
      fc.property(fc.option(fc.nat(2_000_000)), fc.option(fc.nat(2_000_000)), (min, max) => {
        const limits = effectiveLimits({ ...(min !== null ? { minActionMemory: min } : {}), ...(max !== null ? { maxActionMemory: max } : {}) }, system);
        expect(limits.minActionMemory).toBeGreaterThanOrEqual(128);
        expect(limits.maxActionMemory).toBeLessThanOrEqual(512);
        expect(limits.minActionMemory).toBeLessThanOrEqual(limits.maxActionMemory);
      }),
    );
  });

  it('allow every kind without a list, and only the listed kinds with one', () => {
    expect(isKindAllowed(effectiveLimits(undefined, system), 'python:3.11')).toBe(true);
    const limited = effectiveLimits({ allowedKinds: ['nodejs:20'] }, system);
    expect(isKindAllowed(limited, 'nodejs:20')).toBe(true);
    expect(isKindAllowed(limited, 'python:3.11')).toBe(false);
    expect(isKindAllowed(effectiveLimits({ allowedKinds: [] }, system), 'nodejs:20')).toBe(false);
  });
});

describe('limit values', () => {
  it.each([
    ['invocationsPerMinute', 0, undefined],
    ['invocationsPerMinute', -1, 'invocationsPerMinute must be a whole number from 0 to 1000000000, but was -1'],
    ['concurrentInvocations', 1.5, 'concurrentInvocations must be a whole number from 0 to 1000000000, but was 1.5'],
    ['firesPerMinute', '10', 'firesPerMinute must be a whole number from 0 to 1000000000, but was "10"'],
    ['storeActivations', 'yes', 'storeActivations must be true or false, but was "yes"'],
    ['allowedKinds', ['nodejs:20', 'blackbox'], undefined],
    ['allowedKinds', 'nodejs:20', 'allowedKinds must be a list of kinds, but was "nodejs:20"'],
    ['allowedKinds', ['nodejs 20'], `allowedKinds holds "nodejs 20", which is not a kind (like 'nodejs:20' or 'blackbox')`],
    ['maxActionMemory', 256, undefined],
  ] as const)('%s = %p', (field, value, problem) => {
    expect(limitValueProblem(field, value)).toBe(problem);
  });

  it('checks each min against its max, and patches set values and clear nulls', () => {
    expect(boundsOrderProblem({ minActionTimeout: 5000, maxActionTimeout: 1000 })).toBe('minActionTimeout (5000) must not exceed maxActionTimeout (1000)');
    expect(boundsOrderProblem({ minActionTimeout: 1000, maxActionTimeout: 1000 })).toBeUndefined();
    expect(patchLimits({ invocationsPerMinute: 1, firesPerMinute: 2 }, { invocationsPerMinute: null, concurrentInvocations: 3 })).toEqual({ firesPerMinute: 2, concurrentInvocations: 3 });
  });

  it('names every field OpenWhisk\'s UserLimits has for throttles, kinds and action bounds', () => {
    expect(LIMIT_FIELD_NAMES).toEqual(expect.arrayContaining(['invocationsPerMinute', 'concurrentInvocations', 'firesPerMinute', 'allowedKinds', 'storeActivations', 'minActionMemory', 'maxActionMemory', 'minActionTimeout', 'maxActionTimeout', 'minActionLogs', 'maxActionLogs']));
  });
});
