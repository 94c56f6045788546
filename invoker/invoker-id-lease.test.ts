import { createMemoryLeaderLock, newMemoryLeaderLockLocation, type MemoryLeaderLockLocation } from '../common/adapters/memory/memory-leader-lock';
import type { LeaderLock } from '../common/spi/leader-lock';
import { InvokerIdLease, poolInvokerIds } from './invoker-id-lease';

// Several invoker processes contending for the pool, on memory locks with a hand-moved clock.

describe('invoker id leases', () => {
  let now = 1_000;
  const locations = new Map<string, MemoryLeaderLockLocation>();
  const lockFor = (id: string) => {
    if (!locations.has(id)) locations.set(id, newMemoryLeaderLockLocation());
    return createMemoryLeaderLock(locations.get(id)!, () => now);
  };
  const options = (holder: string) => ({ lockFor, holder, ttlMs: 5000, now: () => now });
  const ids = poolInvokerIds(3);

  beforeEach(() => {
    now = 1_000;
    locations.clear();
  });

  it('names the pool invoker0 … invokerN-1', () => {
    expect(ids).toEqual(['invoker0', 'invoker1', 'invoker2']);
  });

  it('hands each process the first free id, and none once all are held', async () => {
    const taken = [];
    for (const holder of ['a', 'b', 'c']) taken.push((await InvokerIdLease.takeFirstFree(ids, options(holder)))?.invokerId);
    expect(taken).toEqual(['invoker0', 'invoker1', 'invoker2']);
    expect(await InvokerIdLease.takeFirstFree(ids, options('d'))).toBeUndefined();
  });

  it('frees the id of a released lease, and of a dead holder once its ttl passes', async () => {
    const a = (await InvokerIdLease.takeFirstFree(ids, options('a')))!;
    const b = (await InvokerIdLease.takeFirstFree(ids, options('b')))!;
    await a.release();
    expect((await InvokerIdLease.takeFirstFree(ids, options('c')))?.invokerId).toBe('invoker0');
    // b stops renewing (it died): its id is held until the ttl runs out, then it is free.
    now += 4999;
    expect(await InvokerIdLease.take(b.invokerId, options('d'))).toBeUndefined();
    now += 1;
    expect((await InvokerIdLease.take(b.invokerId, options('d')))?.invokerId).toBe('invoker1');
  });

  it('keeps a renewed lease and reports it lost once another process holds the id', async () => {
    const a = (await InvokerIdLease.take('invoker0', options('a')))!;
    now += 4000;
    expect(await a.renew()).toBe(true);
    now += 4000;
    expect(await InvokerIdLease.take('invoker0', options('b'))).toBeUndefined();
    // a is paused past its ttl; b takes the id; a learns it lost it at its next renewal.
    now += 1000;
    expect(await InvokerIdLease.take('invoker0', options('b'))).toBeDefined();
    expect(await a.renew()).toBe(false);
  });

  it('counts renewals that fail for a whole ttl as a loss, shorter outages not', async () => {
    let failing = false;
    const flaky = (id: string): LeaderLock => {
      const lock = lockFor(id);
      return { ...lock, acquire: (holder, ttl) => (failing ? Promise.reject(new Error('store unreachable')) : lock.acquire(holder, ttl)) };
    };
    const a = (await InvokerIdLease.take('invoker0', { ...options('a'), lockFor: flaky }))!;
    failing = true;
    now += 4999;
    await expect(a.renew()).rejects.toThrow('store unreachable');
    now += 1;
    expect(await a.renew()).toBe(false);
  });

  it('runs out on the clock while a renewal hangs, counted from when the last good renewal was asked', async () => {
    let hanging = false;
    let asked = 0;
    const stalling = (id: string): LeaderLock => {
      const lock = lockFor(id);
      return {
        ...lock,
        acquire: (holder, ttl) => {
          asked = now;
          if (hanging) return new Promise(() => undefined);
          // The answer arrives 40 ms after the store set the expiry.
          return lock.acquire(holder, ttl).then((held) => ((now += 40), held));
        },
      };
    };
    const a = (await InvokerIdLease.take('invoker0', { ...options('a'), lockFor: stalling }))!;
    expect(a.remainingMs()).toBe(5000 - 40);
    now += 1000;
    expect(await a.renew()).toBe(true);
    const lastAsked = asked;
    expect(a.remainingMs()).toBe(lastAsked + 5000 - now);
    hanging = true;
    void a.renew();
    now = lastAsked + 4999;
    expect(a.remainingMs()).toBe(1);
    now += 1;
    expect(a.remainingMs()).toBe(0);
  });
});
