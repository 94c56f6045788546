import type { LeaderLock } from '../../spi/leader-lock';
import { connectRedis, type RedisSource } from './redis-connection';

// LeaderLock on one Redis key (from naming.redisKey): its value is the holder, its expiry the
// lease. Taking and renewing are one script, so a lease cannot be renewed after it passed to
// someone else; releasing deletes the key only while it still names the holder.

export interface RedisLeaderLockOptions {
  readonly redis: RedisSource;
  /** The whole key, built with naming.redisKey. */
  readonly key: string;
}

const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export function createRedisLeaderLock(options: RedisLeaderLockOptions): LeaderLock {
  const connection = connectRedis(options.redis);
  let closed = false;
  const redis = () => {
    if (closed) throw new Error('the redis leader lock is closed');
    return connection.client;
  };
  return {
    async acquire(holder, ttlMs) {
      if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new Error(`ttl must be a positive integer of ms, but was ${ttlMs}`);
      return Number(await redis().eval(ACQUIRE, 1, options.key, holder, ttlMs)) === 1;
    },
    async release(holder) {
      await redis().eval(RELEASE, 1, options.key, holder);
    },
    async close() {
      if (closed) return;
      closed = true;
      await connection.release();
    },
  };
}
