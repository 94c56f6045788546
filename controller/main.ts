import { createKafkaMessageBus } from '../common/adapters/kafka/kafka-message-bus';
import { createNatsSignalBus } from '../common/adapters/nats/nats-signal-bus';
import { createRedisActivationStore } from '../common/adapters/redis/redis-activation-store';
import { createRedisEntityStore } from '../common/adapters/redis/redis-entity-store';
import { createRedisThrottleStore } from '../common/adapters/redis/redis-throttle-store';
import { createRedisLeaderLock } from '../common/adapters/redis/redis-leader-lock';
import { isConfigError } from '../common/config/env-reader';
import { stopOnSignals } from '../common/lifecycle/stop-signals';
import { createLogger } from '../common/logging/logger';
import { createNaming } from '../common/naming';
import { loadControllerConfig } from './config';
import { startController } from './controller';
import { createProcessRegistry } from '../common/metrics/process-registry';
import { startMetricsServer } from '../common/metrics/metrics-server';

// The distributed controller: Kafka for activation messages, NATS for acks and heartbeats,
// Redis for entities and activations. Run as many as you like, each with its own
// WISP_CONTROLLER_ID.

async function main(): Promise<void> {
  const config = loadControllerConfig(process.env);
  const logger = createLogger({ service: 'wisp-controller', level: config.shared.logLevel, instance: config.controllerId });
  const naming = createNaming(config.shared.prefix);
  const bus = createKafkaMessageBus({ brokers: config.shared.kafkaBrokers, clientId: `${config.shared.prefix}-${config.controllerId}`, logger: logger.child({ component: 'kafka' }) });
  const signals = await createNatsSignalBus({ servers: config.shared.natsUrl, name: `${config.shared.prefix}-${config.controllerId}`, logger: logger.child({ component: 'nats' }) });
  const entities = createRedisEntityStore({ redis: config.shared.redisUrl, naming, logger });
  const activations = createRedisActivationStore({ redis: config.shared.redisUrl, naming, logger });
  const throttles = createRedisThrottleStore({ redis: config.shared.redisUrl, naming });
  const leaderLock = createRedisLeaderLock({ redis: config.shared.redisUrl, key: naming.redisKey('leader', 'reaper') });
  const metrics = config.shared.metrics ? createProcessRegistry({ service: 'controller', instance: config.controllerId }) : undefined;
  const controller = await startController({ config, logger, naming, bus, signals, entities, activations, throttles, leaderLock, ...(metrics ? { metrics } : {}) });
  const metricsServer = metrics && config.shared.metrics ? await startMetricsServer(metrics, config.shared.metrics, logger.child({ component: 'metrics' })) : undefined;

  stopOnSignals(logger, async () => {
    await metricsServer?.close();
    await controller.stop();
    await Promise.allSettled([bus.close(), signals.close(), entities.close(), activations.close(), throttles.close(), leaderLock.close()]);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(isConfigError(err) ? `${err.message}\n` : `wisp controller failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
