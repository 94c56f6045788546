import { Redis } from 'ioredis';
import { createNatsSignalBus } from '../../common/adapters/nats/nats-signal-bus';
import { createRedisEntityStore } from '../../common/adapters/redis/redis-entity-store';
import { deleteKeysWithPrefix, uniqueTestPrefix } from '../../test/harness/redis-test-keys';
import { EnvReader } from '../../common/config/env-reader';
import { readSharedConfig } from '../../common/config/shared-config';
import { silentLogger } from '../../common/logging/logger';
import { createNaming } from '../../common/naming';
import type { EntityDocument, EntityStore } from '../../common/spi/entity-store';
import type { SignalBus } from '../../common/spi/signal-bus';
import { startEntityCache, type EntityCache } from './entity-cache';

// Two controllers' caches as the distributed profile runs them: each with its own Redis and NATS
// connections. A write through one is seen through the other within a signal's round trip, far
// inside the TTL; the test prints how long that took.

const { natsUrl, redisUrl } = readSharedConfig(new EnvReader(process.env));
const prefix = uniqueTestPrefix();
const naming = createNaming(prefix);
const redis = new Redis(redisUrl);

interface Doc extends EntityDocument {
  readonly entityType: 'package';
  readonly value: number;
}

interface Controllerish {
  readonly store: EntityStore;
  readonly signals: SignalBus;
  readonly cache: EntityCache;
}
const sides: Controllerish[] = [];

beforeAll(async () => {
  for (const name of ['a', 'b']) {
    const store = createRedisEntityStore({ redis: redisUrl, naming, logger: silentLogger });
    const signals = await createNatsSignalBus({ servers: natsUrl, name: `${prefix}-${name}`, logger: silentLogger });
    // The longest TTL allowed: nothing but an invalidation can explain a fresh read in this test.
    const cache = await startEntityCache({ store, signals, naming, logger: silentLogger, ttlMs: 30_000 });
    sides.push({ store, signals, cache });
  }
});

afterAll(async () => {
  for (const side of sides) {
    await side.cache.close();
    await side.signals.close();
    await side.store.close();
  }
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

describe('entity cache over NATS and Redis', () => {
  it('shows one side the other side’s writes within milliseconds, where the TTL is 30 s', async () => {
    const [a, b] = sides as [Controllerish, Controllerish];
    const created = await a.cache.store.put<Doc>('guest', 'pkg', { entityType: 'package', value: 0 }, null);
    expect(created.ok).toBe(true);
    let revision = created.ok ? created.revision : '';
    const lags: number[] = [];
    for (let value = 1; value <= 40; value++) {
      expect((await b.cache.store.get<Doc>('guest', 'pkg'))?.doc.value).toBe(value - 1); // cached on b now
      const outcome = await a.cache.store.put<Doc>('guest', 'pkg', { entityType: 'package', value }, revision);
      expect(outcome.ok).toBe(true);
      revision = outcome.ok ? outcome.revision : '';
      const written = process.hrtime.bigint();
      for (;;) {
        if ((await b.cache.store.get<Doc>('guest', 'pkg'))?.doc.value === value) break;
        if (Number(process.hrtime.bigint() - written) / 1e6 > 2000) throw new Error(`value ${value} not seen within 2 s`);
        // A cache hit never leaves the microtask queue; let the socket deliver the signal.
        await new Promise((resolve) => setImmediate(resolve));
      }
      lags.push(Number(process.hrtime.bigint() - written) / 1e6);
    }
    lags.sort((x, y) => x - y);
    const p50 = lags[Math.floor(lags.length / 2)]!;
    const max = lags[lags.length - 1]!;
    process.stdout.write(`entity cache invalidation across two NATS connections: p50 ${p50.toFixed(2)} ms, max ${max.toFixed(2)} ms over ${lags.length} writes\n`);
    expect(max).toBeLessThan(1000);
  });

  it('drops the other side’s entry on delete', async () => {
    const [a, b] = sides as [Controllerish, Controllerish];
    await a.cache.store.put<Doc>('guest', 'gone', { entityType: 'package', value: 1 }, null);
    expect(await b.cache.store.get('guest', 'gone')).toBeDefined();
    expect(await a.cache.store.delete('guest', 'gone')).toBe(true);
    await a.signals.flush();
    const started = Date.now();
    while ((await b.cache.store.get('guest', 'gone')) !== undefined) {
      expect(Date.now() - started).toBeLessThan(2000);
      await new Promise((r) => setTimeout(r, 2));
    }
  });
});
