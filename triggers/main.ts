import { Redis } from 'ioredis';
import { createRedisEntityStore } from '../common/adapters/redis/redis-entity-store';
import { createRedisLeaderLock } from '../common/adapters/redis/redis-leader-lock';
import { isConfigError } from '../common/config/env-reader';
import { stopOnSignals } from '../common/lifecycle/stop-signals';
import { createLogger } from '../common/logging/logger';
import { createNaming } from '../common/naming';
import { loadTriggersConfig } from './config';
import { startTriggers } from './start-triggers';

// The distributed triggers service: feed registrations from the Redis entity store, one Redis
// lease per registration, fires through a controller's REST API. Run as many as you like; each
// registration is fired by the one replica holding its lease.

async function main(): Promise<void> {
  const config = loadTriggersConfig(process.env);
  const logger = createLogger({ service: 'wisp-triggers', level: config.shared.logLevel, instance: config.instanceId });
  const naming = createNaming(config.shared.prefix);
  const entities = createRedisEntityStore({ redis: config.shared.redisUrl, naming, logger });
  // One connection for every lease; each lease is its own key (naming.redisKey), as the reaper's leader lock is.
  const redis = new Redis(config.shared.redisUrl, { maxRetriesPerRequest: 3 });
  const service = startTriggers({
    config,
    store: entities,
    leaseFor: (key) => createRedisLeaderLock({ redis, key: naming.redisKey('triggers', 'lease', key) }),
    logger,
  });
  logger.info({ apiUrl: config.apiUrl }, 'triggers service started');

  stopOnSignals(logger, async () => {
    await service.stop();
    await Promise.allSettled([entities.close(), redis.quit()]);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(isConfigError(err) ? `${err.message}\n` : `wisp triggers failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
