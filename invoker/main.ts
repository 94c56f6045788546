import { createKafkaMessageBus } from '../common/adapters/kafka/kafka-message-bus';
import { createNatsSignalBus } from '../common/adapters/nats/nats-signal-bus';
import { createRedisActivationStore } from '../common/adapters/redis/redis-activation-store';
import { createRedisEntityStore } from '../common/adapters/redis/redis-entity-store';
import { ConfigError, type Env } from '../common/config/env-reader';
import { stopOnSignals } from '../common/lifecycle/stop-signals';
import { createLogger, type Logger } from '../common/logging/logger';
import { createNaming } from '../common/naming';
import type { ContainerFactory } from '../common/spi/container-factory';
import { loadInvokerConfig, type InvokerConfig } from './config';
import { DockerContainerFactory } from './containers/docker-container-factory';
import { ProcessContainerFactory } from './containers/process-container-factory';
import { createInvoker } from './create-invoker';

// The distributed invoker: Kafka for activation messages, NATS for acks and heartbeats, Redis for
// actions, records and claims, Docker (or local processes) for containers. The only place that
// picks adapters; the standalone launcher composes the same invoker through createInvoker.

export { createInvoker, type InvokerDeps } from './create-invoker';

function containerFactory(config: InvokerConfig, logger: Logger): ContainerFactory {
  const naming = createNaming(config.shared.prefix);
  switch (config.containerFactory) {
    case 'docker':
      return new DockerContainerFactory({
        invokerId: config.invokerId,
        naming,
        logger,
        images: config.runtimeImages,
        apiHostForContainers: config.apiHostForActions,
        userMemoryMb: config.userMemoryMb,
      });
    case 'process':
      return new ProcessContainerFactory({ invokerId: config.invokerId, naming, logger });
  }
}

export async function main(env: Env): Promise<void> {
  const config = loadInvokerConfig(env);
  const logger = createLogger({ service: 'wisp-invoker', level: config.shared.logLevel, instance: config.invokerId });
  const naming = createNaming(config.shared.prefix);
  const clientName = `${config.shared.prefix}-${config.invokerId}`;
  const bus = createKafkaMessageBus({ brokers: config.shared.kafkaBrokers, clientId: clientName, logger: logger.child({ component: 'kafka' }) });
  const signals = await createNatsSignalBus({ servers: config.shared.natsUrl, name: clientName, logger: logger.child({ component: 'nats' }) });
  const entities = createRedisEntityStore({ redis: config.shared.redisUrl, naming, logger });
  const activations = createRedisActivationStore({ redis: config.shared.redisUrl, naming, logger });
  const closePorts = () => Promise.allSettled([bus.close(), signals.close(), entities.close(), activations.close()]);

  const invoker = createInvoker({ config, bus, signals, entities, activations, factory: containerFactory(config, logger), logger });
  try {
    await invoker.start();
  } catch (error) {
    await closePorts();
    throw error;
  }

  stopOnSignals(logger, async () => {
    await invoker.stop();
    await closePorts();
  });
}

if (require.main === module) {
  main(process.env).catch((err: unknown) => {
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `wisp invoker failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
