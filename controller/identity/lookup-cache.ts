import { LRUCache } from 'lru-cache';

// The settings the identity and limits caches share. An entry lives `ttlMs` from its load, which
// bounds how long a change nobody announced goes unseen; concurrent misses on one key share a
// single load; a failed load is not kept. A delete or clear during a load must not let the
// loaded (maybe stale) value in: with `ignoreFetchAbort` the waiting callers get it, and
// lru-cache stores it only if the slot it was loading for is still there, which a delete removed.

const MAX_ENTRIES = 100_000;

/** A read-through cache over `load`, or none when `ttlMs` is 0 (every lookup goes to the store). */
export function lookupCache<V extends {}>(ttlMs: number, load: (key: string) => Promise<V>, now?: () => number): LRUCache<string, V> | undefined {
  if (ttlMs <= 0) return undefined;
  return new LRUCache<string, V>({
    max: MAX_ENTRIES,
    ttl: ttlMs,
    // An injected clock is read on every check, not memoised for a millisecond of real time.
    ttlResolution: 0,
    ignoreFetchAbort: true,
    fetchMethod: (key) => load(key),
    ...(now ? { perf: { now } } : {}),
  });
}
