import { isPlatformError } from '../../common/errors/platform-error';
import { DEFAULT_MAP_CONCURRENCY, MAX_MAP_ITEMS, mapConcurrency, parseMapBody } from './map-body';
import { gatherMap } from './map-gather';

// The pure parts of a map (ADR 0028): the body's checks and merge, the concurrency bound, and
// gathering results in the items' order with at most `concurrency` in flight.

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isPlatformError(err) ? `${err.status} ${err.code}` : 'not a platform error';
  }
  return undefined;
}

describe('map body', () => {
  it('merges the shared params under each item, boxing a non-object item', () => {
    expect(parseMapBody({ items: [{ x: 1 }, { x: 2, s: 'own' }, 7], params: { s: 'shared' } }).payloads).toEqual([{ s: 'shared', x: 1 }, { s: 'own', x: 2 }, { s: 'shared', value: 7 }]);
    expect(parseMapBody({ items: [{}] }).params).toEqual({});
  });

  it('refuses what is not a non-empty array of at most the maximum, and params that are not an object', () => {
    expect(codeOf(() => parseMapBody({}))).toBe('400 map-items-invalid');
    expect(codeOf(() => parseMapBody({ items: {} }))).toBe('400 map-items-invalid');
    expect(codeOf(() => parseMapBody({ items: [] }))).toBe('400 map-items-invalid');
    expect(codeOf(() => parseMapBody({ items: new Array(MAX_MAP_ITEMS + 1).fill({}) }))).toBe('400 map-items-invalid');
    expect(codeOf(() => parseMapBody({ items: [{}], params: [1] }))).toBe('400 field-invalid');
    expect(codeOf(() => parseMapBody({ items: new Array(MAX_MAP_ITEMS).fill({}) }))).toBeUndefined();
  });

  it('bounds concurrency by what was asked and by the namespace', () => {
    expect(mapConcurrency(undefined, undefined)).toBe(DEFAULT_MAP_CONCURRENCY);
    expect(mapConcurrency(4, 100)).toBe(4);
    expect(mapConcurrency(30, 5)).toBe(5);
    expect(codeOf(() => mapConcurrency(0, 5))).toBe('400 map-concurrency-invalid');
    expect(codeOf(() => mapConcurrency(65, undefined))).toBe('400 map-concurrency-invalid');
  });
});

describe('gatherMap', () => {
  it('keeps the items\' order whatever order they end in, counts failures, and never runs more than the bound', async () => {
    let inFlight = 0;
    let most = 0;
    const result = await gatherMap(20, 4, async (index) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      // Later items end sooner: completion order is not item order.
      await new Promise((resolve) => setTimeout(resolve, (20 - index) % 5));
      inFlight -= 1;
      return { activationId: `id${index}`, success: index !== 13, result: index === 13 ? { error: 'bad' } : { i: index } };
    });
    expect(most).toBe(4);
    expect(result.activationIds).toEqual(Array.from({ length: 20 }, (_, i) => `id${i}`));
    expect(result.results[13]).toEqual({ error: 'bad' });
    expect(result.results[19]).toEqual({ i: 19 });
    expect(result.failed).toBe(1);
  });

  it('starts no more workers than there are items', async () => {
    const started: number[] = [];
    await gatherMap(2, 8, async (index) => {
      started.push(index);
      return { activationId: String(index), success: true, result: {} };
    });
    expect(started).toEqual([0, 1]);
  });
});
