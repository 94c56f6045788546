import { Redis } from 'ioredis';
import { deleteKeysWithPrefix, keysWithPrefix, uniqueTestPrefix } from './redis-test-keys';

// A file of Redis integration tests shares one connection to the stack's Redis, and every test
// writes under a prefix of its own; afterAll deletes the keys under each prefix, checks that none
// is left, and closes the connection.

export const REDIS_TEST_URL = 'redis://127.0.0.1:6379';

export interface RedisTestPrefixes {
  readonly redis: Redis;
  /** A prefix no other run uses, cleaned up after the file. */
  newPrefix(): string;
}

export function useRedisTestPrefixes(): RedisTestPrefixes {
  const redis = new Redis(REDIS_TEST_URL);
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
    for (const prefix of prefixes) expect(await keysWithPrefix(redis, prefix)).toEqual([]);
    await redis.quit();
  });
  return {
    redis,
    newPrefix: () => {
      const prefix = uniqueTestPrefix();
      prefixes.push(prefix);
      return prefix;
    },
  };
}
