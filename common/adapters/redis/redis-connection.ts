import { Redis } from 'ioredis';

// A store either shares a connection its caller owns or opens its own from a URL; it closes
// only what it opened, so one client can serve several stores in a process.

export type RedisSource = Redis | string;

export interface RedisConnection {
  readonly client: Redis;
  /** Quits the client when this store opened it; a shared client is left alone. */
  release(): Promise<void>;
}

export function connectRedis(source: RedisSource): RedisConnection {
  if (typeof source !== 'string') return { client: source, release: async () => undefined };
  const client = new Redis(source, { lazyConnect: false, maxRetriesPerRequest: 3 });
  return {
    client,
    release: async () => {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}
