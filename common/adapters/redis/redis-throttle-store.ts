import type { Naming } from '../../naming';
import type { ThrottleOutcome, ThrottleStore } from '../../spi/throttle-store';
import { connectRedis, type RedisSource } from './redis-connection';
import { escapeKeyPart } from './redis-key-part';
import { runScript } from './redis-scripts';
import { THROTTLE_ACQUIRE, THROTTLE_HIT, THROTTLE_IN_FLIGHT } from './redis-throttle-scripts';

// ThrottleStore on Redis, shared by every controller. Layout (every key from naming.redisKey):
//   throttle-rate:<key>:<window index>   string  hits in that window; expires after the window
//   throttle-inflight:<namespace>        zset    member activation id, score deadline (epoch ms)

export interface RedisThrottleStoreOptions {
  readonly redis: RedisSource;
  readonly naming: Naming;
}

export function createRedisThrottleStore(options: RedisThrottleStoreOptions): ThrottleStore {
  const connection = connectRedis(options.redis);
  const { naming } = options;
  let closed = false;

  const redis = () => {
    if (closed) throw new Error('the redis throttle store is closed');
    return connection.client;
  };
  const inFlightKey = (namespace: string) => naming.redisKey('throttle-inflight', escapeKeyPart(namespace));

  return {
    async hit(key: string, windowMs: number, limit: number): Promise<ThrottleOutcome> {
      if (!Number.isInteger(windowMs) || windowMs <= 0) throw new Error(`window must be a positive integer of ms, but was ${windowMs}`);
      const count = Number(await runScript(redis(), THROTTLE_HIT, [naming.redisKey('throttle-rate', escapeKeyPart(key))], [windowMs]));
      return { allowed: count <= limit, count };
    },

    async acquire(namespace: string, activationId: string, deadline: number, limit: number): Promise<ThrottleOutcome> {
      const [granted, count] = (await runScript(redis(), THROTTLE_ACQUIRE, [inFlightKey(namespace)], [activationId, Math.floor(deadline), limit])) as [number, number];
      return { allowed: granted === 1, count: Number(count) };
    },

    async release(namespace: string, activationId: string): Promise<void> {
      await redis().zrem(inFlightKey(namespace), activationId);
    },

    async inFlight(namespace: string): Promise<number> {
      return Number(await runScript(redis(), THROTTLE_IN_FLIGHT, [inFlightKey(namespace)], []));
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await connection.release();
    },
  };
}
