import { describeLeaderLockContract } from '../../../test/contracts/leader-lock.contract';
import { createMemoryLeaderLock, newMemoryLeaderLockLocation } from './memory-leader-lock';

describeLeaderLockContract('memory', async () => {
  const location = newMemoryLeaderLockLocation();
  return () => createMemoryLeaderLock(location);
});

describe('memory leader lock', () => {
  it('reads time from the clock it is given', async () => {
    let now = 1_000;
    const location = newMemoryLeaderLockLocation();
    const [first, second] = [createMemoryLeaderLock(location, () => now), createMemoryLeaderLock(location, () => now)];
    expect(await first.acquire('a', 100)).toBe(true);
    now += 99;
    expect(await second.acquire('b', 100)).toBe(false);
    now += 1;
    expect(await second.acquire('b', 100)).toBe(true);
  });
});
