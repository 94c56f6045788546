import { randomBytes } from 'node:crypto';
import type { LeaderLock } from '../../common/spi/leader-lock';

// The LeaderLock contract: the memory adapter runs it in unit tests, the Redis adapter in
// integration tests against the real server. Every lock a location opens contends for one lease.

/** Opens a lock on one location; every call opens that same location again. */
export type OpenLeaderLock = () => LeaderLock;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const holder = (what: string) => `${what}-${randomBytes(4).toString('hex')}`;

export function describeLeaderLockContract(name: string, newLocation: () => Promise<OpenLeaderLock>): void {
  describe(`LeaderLock contract: ${name}`, () => {
    let open: OpenLeaderLock;
    const opened: LeaderLock[] = [];
    const lock = () => {
      const next = open();
      opened.push(next);
      return next;
    };

    beforeEach(async () => {
      open = await newLocation();
    });

    afterEach(async () => {
      for (const each of opened.splice(0)) await each.close();
    });

    it('grants the lease to one holder and refuses the others while it is live', async () => {
      const [a, b] = [holder('a'), holder('b')];
      const [first, second] = [lock(), lock()];
      expect(await first.acquire(a, 10_000)).toBe(true);
      expect(await second.acquire(b, 10_000)).toBe(false);
      expect(await first.acquire(b, 10_000)).toBe(false);
    });

    it('lets the holder renew its lease, from any lock on the location', async () => {
      const a = holder('a');
      const [first, second] = [lock(), lock()];
      expect(await first.acquire(a, 10_000)).toBe(true);
      expect(await first.acquire(a, 10_000)).toBe(true);
      expect(await second.acquire(a, 10_000)).toBe(true);
    });

    it('passes the lease on once it lapses unrenewed', async () => {
      const [a, b] = [holder('a'), holder('b')];
      const [first, second] = [lock(), lock()];
      expect(await first.acquire(a, 100)).toBe(true);
      expect(await second.acquire(b, 10_000)).toBe(false);
      await sleep(250);
      expect(await second.acquire(b, 10_000)).toBe(true);
      expect(await first.acquire(a, 10_000)).toBe(false);
    });

    it('keeps a renewed lease past its first ttl', async () => {
      const [a, b] = [holder('a'), holder('b')];
      const [first, second] = [lock(), lock()];
      expect(await first.acquire(a, 300)).toBe(true);
      await sleep(150);
      expect(await first.acquire(a, 300)).toBe(true);
      await sleep(200);
      expect(await second.acquire(b, 10_000)).toBe(false);
    });

    it("releases only the holder's own lease", async () => {
      const [a, b] = [holder('a'), holder('b')];
      const [first, second] = [lock(), lock()];
      expect(await first.acquire(a, 10_000)).toBe(true);
      await second.release(b);
      expect(await second.acquire(b, 10_000)).toBe(false);
      await first.release(a);
      expect(await second.acquire(b, 10_000)).toBe(true);
    });

    it('refuses use after close', async () => {
      const closed = lock();
      await closed.close();
      await expect(closed.acquire(holder('a'), 1000)).rejects.toThrow(/closed/);
    });
  });
}
