import type { LeaderLock } from '../../spi/leader-lock';

// LeaderLock for one process (standalone): every lock opened on one MemoryLeaderLockLocation
// contends with the others, as controllers contend on one Redis key.

export interface MemoryLeaderLockLocation {
  holder: string | undefined;
  expiresAt: number;
}

export function newMemoryLeaderLockLocation(): MemoryLeaderLockLocation {
  return { holder: undefined, expiresAt: 0 };
}

export function createMemoryLeaderLock(location: MemoryLeaderLockLocation = newMemoryLeaderLockLocation(), now: () => number = Date.now): LeaderLock {
  let closed = false;
  const open = () => {
    if (closed) throw new Error('the memory leader lock is closed');
  };
  return {
    async acquire(holder, ttlMs) {
      open();
      const at = now();
      if (location.holder !== undefined && location.holder !== holder && location.expiresAt > at) return false;
      location.holder = holder;
      location.expiresAt = at + ttlMs;
      return true;
    },
    async release(holder) {
      open();
      if (location.holder === holder) {
        location.holder = undefined;
        location.expiresAt = 0;
      }
    },
    async close() {
      closed = true;
    },
  };
}
