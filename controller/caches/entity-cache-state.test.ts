import { EntityCacheState } from './entity-cache-state';

// The cache's bookkeeping alone: expiry, reads that race an invalidation, and the bounds.

function cache(limits: Partial<{ ttlMs: number; maxEntries: number; maxBytes: number }> = {}) {
  let now = 1_000;
  const state = new EntityCacheState<{ id: string; bytes: number }>({ ttlMs: 10_000, maxEntries: 100, maxBytes: 10_000, ...limits }, (v) => v.bytes, () => now);
  const load = (slot: string, bytes = 10) => state.finishRead(state.beginRead(slot), { id: slot, bytes });
  return { state, load, advance: (ms: number) => (now += ms) };
}

describe('EntityCacheState', () => {
  it('serves an entry until its TTL has passed, then drops it', () => {
    const { state, load, advance } = cache();
    load('a');
    advance(9_999);
    expect(state.lookup('a')).toEqual({ id: 'a', bytes: 10 });
    advance(1);
    expect(state.lookup('a')).toBeUndefined();
    expect(state.size).toBe(0);
    expect(state.totalBytes).toBe(0);
  });

  it('answers but never keeps a read that an invalidation overtook', () => {
    const { state } = cache();
    const racing = state.beginRead('a');
    const other = state.beginRead('b');
    state.invalidate('a');
    state.finishRead(racing, { id: 'a', bytes: 1 });
    state.finishRead(other, { id: 'b', bytes: 1 });
    expect(state.lookup('a')).toBeUndefined();
    expect(state.lookup('b')).toEqual({ id: 'b', bytes: 1 });
    // A read that starts after the invalidation is kept again.
    state.finishRead(state.beginRead('a'), { id: 'a', bytes: 1 });
    expect(state.lookup('a')).toEqual({ id: 'a', bytes: 1 });
  });

  it('drops everything and every read in flight on invalidateAll', () => {
    const { state, load } = cache();
    load('a');
    const racing = state.beginRead('b');
    state.invalidateAll();
    state.finishRead(racing, { id: 'b', bytes: 1 });
    expect(state.lookup('a')).toBeUndefined();
    expect(state.lookup('b')).toBeUndefined();
    expect(state.totalBytes).toBe(0);
  });

  it('keeps nothing for a miss, or when the TTL is 0', () => {
    const { state } = cache();
    state.finishRead(state.beginRead('a'), undefined);
    expect(state.size).toBe(0);
    const off = cache({ ttlMs: 0 });
    off.load('a');
    expect(off.state.lookup('a')).toBeUndefined();
  });

  it('evicts the least recently used past the entry and byte bounds, and skips huge entries', () => {
    const { state, load } = cache({ maxEntries: 3, maxBytes: 1_000 });
    load('a');
    load('b');
    load('c');
    state.lookup('a'); // a is now the most recently used
    load('d');
    expect(['a', 'b', 'c', 'd'].filter((s) => state.lookup(s))).toEqual(['a', 'c', 'd']);
    load('big', 600); // over a quarter of the byte bound
    expect(state.lookup('big')).toBeUndefined();
    load('e', 240);
    load('f', 240);
    load('g', 240);
    load('h', 240);
    expect(state.totalBytes).toBeLessThanOrEqual(1_000);
    expect(state.size).toBeLessThanOrEqual(3);
    expect(state.lookup('h')).toBeDefined();
  });

  it('replaces an entry without counting its bytes twice', () => {
    const { state, load } = cache();
    load('a', 100);
    load('a', 50);
    expect(state.totalBytes).toBe(50);
    state.invalidate('a');
    expect(state.totalBytes).toBe(0);
  });
});
