import { createNaming } from '../../naming';
import { describeLeaderLockContract } from '../../../test/contracts/leader-lock.contract';
import { REDIS_TEST_URL, useRedisTestPrefixes } from '../../../test/harness/redis-test-prefixes';
import { createRedisLeaderLock } from './redis-leader-lock';

const { redis, newPrefix } = useRedisTestPrefixes();

describeLeaderLockContract('redis', async () => {
  const key = createNaming(newPrefix()).redisKey('leader', 'reaper');
  // every lock opens its own connection, as separate controllers do
  return () => createRedisLeaderLock({ redis: REDIS_TEST_URL, key });
});

describe('redis leader lock specifics', () => {
  it('keeps the lease in the one key it is given, naming the holder, expiring with the ttl', async () => {
    const key = createNaming(newPrefix()).redisKey('leader', 'reaper');
    const lock = createRedisLeaderLock({ redis, key });
    expect(await lock.acquire('controller0', 5000)).toBe(true);
    expect(await redis.get(key)).toBe('controller0');
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(4000);
    expect(ttl).toBeLessThanOrEqual(5000);
    await lock.release('controller0');
    expect(await redis.exists(key)).toBe(0);
    await lock.close();
  });
});
