import { randomBytes } from 'node:crypto';
import type { ThrottleStore } from '../../common/spi/throttle-store';
import { closeAfterEach } from '../harness/close-after-each';

// The ThrottleStore contract, in the style of OpenWhisk's ArtifactStoreBehavior: the memory
// adapter runs it in unit tests, the Redis adapter in integration tests against the real server.

export interface ThrottleStoreCapabilities {
  /** Two stores opened on one location share their counters (several controllers on one Redis). */
  readonly sharedAccess: boolean;
}

/** Opens a store on one location; every call opens that same location again. */
export type OpenThrottleStore = () => ThrottleStore;

// Long enough that a test never straddles two windows by accident (windows are epoch-aligned).
const LONG_WINDOW_MS = 10 * 86_400_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const unique = (what: string) => `${what}-${randomBytes(4).toString('hex')}`;
const later = (ms = 60_000) => Date.now() + ms;

export function describeThrottleStoreContract(name: string, newLocation: () => Promise<OpenThrottleStore>, capabilities: ThrottleStoreCapabilities): void {
  describe(`ThrottleStore contract: ${name}`, () => {
    let open: OpenThrottleStore;
    let store: ThrottleStore;
    const opened = closeAfterEach<ThrottleStore>();
    const openTracked = () => opened.add(open());

    beforeEach(async () => {
      open = await newLocation();
      store = openTracked();
    });

    describe('rate (hit)', () => {
      it('allows hits up to the limit, then refuses, and keeps counting refused hits', async () => {
        const key = unique('rate');
        const outcomes = [];
        for (let i = 0; i < 5; i++) outcomes.push(await store.hit(key, LONG_WINDOW_MS, 3));
        expect(outcomes).toEqual([
          { allowed: true, count: 1 },
          { allowed: true, count: 2 },
          { allowed: true, count: 3 },
          { allowed: false, count: 4 },
          { allowed: false, count: 5 },
        ]);
      });

      it('refuses every hit when the limit is 0 (a blocked namespace)', async () => {
        expect(await store.hit(unique('blocked'), LONG_WINDOW_MS, 0)).toEqual({ allowed: false, count: 1 });
      });

      it('keeps keys apart', async () => {
        const [a, b] = [unique('a'), unique('b')];
        await store.hit(a, LONG_WINDOW_MS, 1);
        await store.hit(a, LONG_WINDOW_MS, 1);
        expect(await store.hit(b, LONG_WINDOW_MS, 1)).toEqual({ allowed: true, count: 1 });
      });

      it('starts a fresh count in the next window', async () => {
        const key = unique('window');
        expect(await store.hit(key, 100, 1)).toEqual({ allowed: true, count: 1 });
        await sleep(250);
        expect(await store.hit(key, 100, 1)).toEqual({ allowed: true, count: 1 });
      });

      it('counts parallel hits exactly: no two hits see the same count', async () => {
        const key = unique('parallel');
        const outcomes = await Promise.all(Array.from({ length: 40 }, () => store.hit(key, LONG_WINDOW_MS, 15)));
        expect(outcomes.map((o) => o.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
        expect(outcomes.filter((o) => o.allowed)).toHaveLength(15);
      });

      it('refuses a window that is not a positive whole number of ms', async () => {
        await expect(store.hit(unique('bad'), 0, 1)).rejects.toThrow(/window/);
        await expect(store.hit(unique('bad'), 1.5, 1)).rejects.toThrow(/window/);
      });
    });

    describe('concurrency (acquire, release)', () => {
      it('grants slots up to the limit, refuses the next with the live count, and frees a slot on release', async () => {
        const ns = unique('ns');
        expect(await store.acquire(ns, 'a1', later(), 2)).toEqual({ allowed: true, count: 1 });
        expect(await store.acquire(ns, 'a2', later(), 2)).toEqual({ allowed: true, count: 2 });
        expect(await store.acquire(ns, 'a3', later(), 2)).toEqual({ allowed: false, count: 2 });
        expect(await store.inFlight(ns)).toBe(2);
        await store.release(ns, 'a1');
        expect(await store.inFlight(ns)).toBe(1);
        expect(await store.acquire(ns, 'a3', later(), 2)).toEqual({ allowed: true, count: 2 });
      });

      it('treats acquiring an id it already holds as the same slot', async () => {
        const ns = unique('ns');
        await store.acquire(ns, 'same', later(), 1);
        expect(await store.acquire(ns, 'same', later(), 1)).toEqual({ allowed: true, count: 1 });
        expect(await store.inFlight(ns)).toBe(1);
      });

      it('stops counting an id once its deadline passed, without a release', async () => {
        const ns = unique('ns');
        expect(await store.acquire(ns, 'lost-ack', later(150), 1)).toEqual({ allowed: true, count: 1 });
        expect(await store.acquire(ns, 'next', later(), 1)).toEqual({ allowed: false, count: 1 });
        await sleep(300);
        expect(await store.inFlight(ns)).toBe(0);
        expect(await store.acquire(ns, 'next', later(), 1)).toEqual({ allowed: true, count: 1 });
      });

      it('ignores the release of an unknown id and keeps namespaces apart', async () => {
        const [ns1, ns2] = [unique('ns'), unique('ns')];
        await store.release(ns1, 'never-acquired');
        await store.acquire(ns1, 'x', later(), 1);
        expect(await store.acquire(ns2, 'x', later(), 1)).toEqual({ allowed: true, count: 1 });
        await store.release(ns2, 'x');
        expect(await store.inFlight(ns1)).toBe(1);
        expect(await store.inFlight(ns2)).toBe(0);
      });

      it('never grants more slots than the limit to parallel acquires', async () => {
        const ns = unique('ns');
        const stores = capabilities.sharedAccess ? [store, openTracked(), openTracked()] : [store];
        const outcomes = await Promise.all(Array.from({ length: 60 }, (_, i) => stores[i % stores.length]!.acquire(ns, `id-${i}`, later(), 10)));
        expect(outcomes.filter((o) => o.allowed)).toHaveLength(10);
        expect(await store.inFlight(ns)).toBe(10);
      });
    });

    if (capabilities.sharedAccess) {
      it('shares counters between stores opened on one location', async () => {
        const other = openTracked();
        const key = unique('shared');
        await store.hit(key, LONG_WINDOW_MS, 1);
        expect(await other.hit(key, LONG_WINDOW_MS, 1)).toEqual({ allowed: false, count: 2 });
        const ns = unique('ns');
        await other.acquire(ns, 'held-elsewhere', later(), 1);
        expect(await store.acquire(ns, 'mine', later(), 1)).toEqual({ allowed: false, count: 1 });
        await store.release(ns, 'held-elsewhere');
        expect(await other.inFlight(ns)).toBe(0);
      });
    }

    it('refuses calls once closed', async () => {
      const closing = openTracked();
      await closing.close();
      await expect(Promise.resolve().then(() => closing.hit('k', 1000, 1))).rejects.toThrow(/closed/);
    });
  });
}
