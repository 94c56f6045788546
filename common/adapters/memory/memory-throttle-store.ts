import type { ThrottleOutcome, ThrottleStore } from '../../spi/throttle-store';

// The standalone profile's ThrottleStore: one process holds every counter, so plain maps are
// enough. Nothing here is durable; after a restart counters start empty, which only ever
// loosens a throttle for the rest of one minute or one deadline.

export interface MemoryThrottleStoreOptions {
  readonly now?: () => number;
}

interface Window {
  readonly index: number;
  readonly expires: number;
  count: number;
}

// Old windows are dropped in a sweep every this many hits, so idle keys do not pile up.
const SWEEP_EVERY_HITS = 1024;

export function createMemoryThrottleStore(options: MemoryThrottleStoreOptions = {}): ThrottleStore {
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();
  const inFlight = new Map<string, Map<string, number>>();
  let hits = 0;
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new Error('the memory throttle store is closed');
  };

  const sweepWindows = (at: number) => {
    for (const [key, window] of windows) if (window.expires <= at) windows.delete(key);
  };

  /** Drops expired ids and answers the namespace's live set (undefined when empty). */
  const live = (namespace: string, at: number): Map<string, number> | undefined => {
    const ids = inFlight.get(namespace);
    if (!ids) return undefined;
    for (const [id, deadline] of ids) if (deadline <= at) ids.delete(id);
    if (ids.size === 0) {
      inFlight.delete(namespace);
      return undefined;
    }
    return ids;
  };

  return {
    async hit(key: string, windowMs: number, limit: number): Promise<ThrottleOutcome> {
      assertOpen();
      if (!Number.isInteger(windowMs) || windowMs <= 0) throw new Error(`window must be a positive integer of ms, but was ${windowMs}`);
      const at = now();
      if (++hits % SWEEP_EVERY_HITS === 0) sweepWindows(at);
      const index = Math.floor(at / windowMs);
      let window = windows.get(key);
      if (!window || window.index !== index) {
        window = { index, expires: (index + 1) * windowMs, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      return { allowed: window.count <= limit, count: window.count };
    },

    async acquire(namespace: string, activationId: string, deadline: number, limit: number): Promise<ThrottleOutcome> {
      assertOpen();
      const at = now();
      const ids = live(namespace, at) ?? new Map<string, number>();
      if (!ids.has(activationId) && ids.size >= limit) return { allowed: false, count: ids.size };
      if (deadline <= at) return { allowed: true, count: ids.size };
      ids.set(activationId, deadline);
      inFlight.set(namespace, ids);
      return { allowed: true, count: ids.size };
    },

    async release(namespace: string, activationId: string): Promise<void> {
      assertOpen();
      const ids = inFlight.get(namespace);
      if (!ids) return;
      ids.delete(activationId);
      if (ids.size === 0) inFlight.delete(namespace);
    },

    async inFlight(namespace: string): Promise<number> {
      assertOpen();
      return live(namespace, now())?.size ?? 0;
    },

    async close(): Promise<void> {
      closed = true;
      windows.clear();
      inFlight.clear();
    },
  };
}
