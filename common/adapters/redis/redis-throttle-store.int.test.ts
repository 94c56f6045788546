import { createNaming } from '../../naming';
import { describeThrottleStoreContract } from '../../../test/contracts/throttle-store.contract';
import { REDIS_TEST_URL, useRedisTestPrefixes } from '../../../test/harness/redis-test-prefixes';
import { createRedisThrottleStore } from './redis-throttle-store';
import { keysWithPrefix } from '../../../test/harness/redis-test-keys';

const { redis, newPrefix } = useRedisTestPrefixes();

describeThrottleStoreContract(
  'redis',
  async () => {
    const naming = createNaming(newPrefix());
    // every store opens its own connection, as separate controllers do
    return () => createRedisThrottleStore({ redis: REDIS_TEST_URL, naming });
  },
  { sharedAccess: true },
);

describe('redis throttle store specifics', () => {
  it('keeps its keys under the prefix and lets them expire: no key outlives its window or latest deadline', async () => {
    const prefix = newPrefix();
    const store = createRedisThrottleStore({ redis, naming: createNaming(prefix) });
    await store.hit('guest:invocations', 60_000, 10);
    await store.acquire('guest', 'a1', Date.now() + 5_000, 10);
    const keys = await keysWithPrefix(redis, prefix);
    expect(keys).toEqual([expect.stringMatching(new RegExp(`^${prefix}:throttle-inflight:guest$`)), expect.stringMatching(new RegExp(`^${prefix}:throttle-rate:guest%3Ainvocations:\\d+$`))]);
    for (const key of keys) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(61_000);
    }
    await store.release('guest', 'a1');
    expect(await keysWithPrefix(redis, prefix)).toHaveLength(1);
    await store.close();
    expect(await redis.ping()).toBe('PONG');
  });
});
