import { createKafkaMessageBus } from '../common/adapters/kafka/kafka-message-bus';
import { createNatsSignalBus } from '../common/adapters/nats/nats-signal-bus';
import { createRedisActivationStore } from '../common/adapters/redis/redis-activation-store';
import { createRedisEntityStore } from '../common/adapters/redis/redis-entity-store';
import { connectRedis } from '../common/adapters/redis/redis-connection';
import { createRedisLeaderLock } from '../common/adapters/redis/redis-leader-lock';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isConfigError, type Env } from '../common/config/env-reader';
import { stopOnSignals } from '../common/lifecycle/stop-signals';
import { createLogger, systemLogger, type Logger } from '../common/logging/logger';
import { createNaming } from '../common/naming';
import { HEARTBEAT_INTERVAL_MS } from '../common/protocol/heartbeat';
import type { ContainerFactory } from '../common/spi/container-factory';
import { loadInvokerConfig, type InvokerConfig } from './config';
import { DockerContainerFactory } from './containers/docker-container-factory';
import { ProcessContainerFactory } from './containers/process-container-factory';
import { createInvoker } from './create-invoker';
import { createProcessRegistry } from '../common/metrics/process-registry';
import { startMetricsServer } from '../common/metrics/metrics-server';
import { acquireInvokerId } from './invoker-id-lease';
import { invokerGpus } from './gpu/gpu-inventory';
import { sleep } from '../common/retry/retry';
import { builtRuntimeProxies } from '../actions/runtime-proxy-files';

// The distributed invoker: Kafka for activation messages, NATS for acks and heartbeats, Redis for
// actions, records and claims, Docker (or local processes) for containers. The only place that
// picks adapters; the standalone launcher composes the same invoker through createInvoker.

export { createInvoker, type InvokerDeps } from './create-invoker';

function containerFactory(config: InvokerConfig, logger: Logger, gpus: number): ContainerFactory {
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
        hardening: config.hardening,
        gpus,
      });
    case 'process':
      return new ProcessContainerFactory({ invokerId: config.invokerId, naming, logger, proxies: builtRuntimeProxies(), baseEnv: { __OW_API_HOST: config.apiHostForActions } });
  }
}

/** Exit status of an invoker that lost its id's lease: another process now owns the id's work. */
export const LEASE_LOST_EXIT_CODE = 3;

const WATCHDOG_TICK_MS = 50;
/** The exit comes this long before the lease could lapse: the process must be gone, not going. */
const LEASE_EXIT_MARGIN_MS = 100;

/** The watchdog acts with a quarter of the ttl left (at least 300 ms), which leaves the bounded stop room. */
export function watchdogMarginMs(ttlMs: number): number {
  return Math.max(300, Math.floor(ttlMs / 4));
}

export async function main(env: Env): Promise<void> {
  const loaded = loadInvokerConfig(env);
  // Before anything is leased or connected: a GPU invoker that cannot see its GPUs should not start.
  const gpus = await invokerGpus(loaded.gpus, createLogger({ service: 'wisp-invoker', level: loaded.shared.logLevel, instance: loaded.invokerId }));
  const naming = createNaming(loaded.shared.prefix);
  // The lease comes first: the id names the topic, the group, the containers and the logs.
  const leaseRedis = connectRedis(loaded.shared.redisUrl);
  let lease;
  try {
    lease = await acquireInvokerId(loaded.idLease, loaded.invokerId, {
      lockFor: (id) => createRedisLeaderLock({ redis: leaseRedis.client, key: naming.redisKey('invoker-lease', id) }),
      holder: `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
    });
  } catch (error) {
    await leaseRedis.release();
    throw error;
  }
  const config: InvokerConfig = { ...loaded, invokerId: lease.invokerId };
  const logger = createLogger({ service: 'wisp-invoker', level: config.shared.logLevel, instance: config.invokerId });
  const clientName = `${config.shared.prefix}-${config.invokerId}`;

  // Renewed with the heartbeat, from the moment the lease is held: a start slower than the ttl
  // (a group join, a topic being created on a busy broker) must not let it lapse. A lost lease
  // means another process may consume this id's topic already: stop fetching at once (stop()
  // pauses first) and exit non-zero for the supervisor. A watchdog on its own timer ends this
  // life before the lease can lapse, because a renewal that hangs (a stalled Redis connection)
  // would otherwise let two lives run the same claims.
  const leaseLogger = systemLogger(logger, 'idLease');
  let renewing = false;
  let losing = false;
  let stopRunning: () => Promise<unknown> = async () => undefined;
  const lose = async (why: string) => {
    if (losing) return;
    losing = true;
    clearInterval(renewal);
    clearInterval(watchdog);
    leaseLogger.error({ invokerId: config.invokerId, remainingMs: lease.remainingMs() }, `invoker id lease ${why}: stopping`);
    // No drain: the id's new holder takes this life's claims over at once. The stop is bounded,
    // as it may itself wait on the stalled store; the exit is what guarantees no further run.
    const stopBound = Math.max(0, lease.remainingMs() - LEASE_EXIT_MARGIN_MS);
    await Promise.race([stopRunning().then(() => leaseRedis.release()), sleep(stopBound)]).catch(() => undefined);
    process.exit(LEASE_LOST_EXIT_CODE);
  };
  const renewal = setInterval(() => {
    if (renewing || losing) return;
    renewing = true;
    lease
      .renew()
      .then((held) => (held ? undefined : lose('lost')))
      .catch((err: unknown) => leaseLogger.warn({ err }, 'invoker id lease not renewed; the lease still stands'))
      .finally(() => (renewing = false));
  }, HEARTBEAT_INTERVAL_MS);
  const watchdog = setInterval(() => {
    if (lease.remainingMs() <= watchdogMarginMs(config.idLease.ttlMs)) void lose('about to lapse unrenewed');
  }, WATCHDOG_TICK_MS);
  logger.info({ invokerId: config.invokerId, fromPool: config.idLease.fromPool }, 'invoker id leased');

  const bus = createKafkaMessageBus({ brokers: config.shared.kafkaBrokers, clientId: clientName, logger: logger.child({ component: 'kafka' }) });
  const signals = await createNatsSignalBus({ servers: config.shared.natsUrl, name: clientName, logger: logger.child({ component: 'nats' }) });
  const entities = createRedisEntityStore({ redis: config.shared.redisUrl, naming, logger });
  const activations = createRedisActivationStore({ redis: config.shared.redisUrl, naming, logger });
  const closePorts = () => Promise.allSettled([bus.close(), signals.close(), entities.close(), activations.close()]);
  const releaseLease = async () => {
    clearInterval(renewal);
    clearInterval(watchdog);
    await lease.release().catch((err: unknown) => logger.warn({ err }, 'invoker id lease not released'));
    await leaseRedis.release();
  };

  const metrics = config.shared.metrics ? createProcessRegistry({ service: 'invoker', instance: config.invokerId }) : undefined;
  const invoker = createInvoker({ config, bus, signals, entities, activations, factory: containerFactory(config, logger, gpus.length), logger, gpus, ...(metrics ? { metrics } : {}) });
  stopRunning = () => invoker.stop({ drain: false }).then(closePorts);
  try {
    await invoker.start();
  } catch (error) {
    await closePorts();
    await releaseLease();
    throw error;
  }
  const metricsServer = metrics && config.shared.metrics ? await startMetricsServer(metrics, config.shared.metrics, logger.child({ component: 'metrics' })) : undefined;

  stopOnSignals(logger, async () => {
    clearInterval(renewal);
    clearInterval(watchdog);
    await metricsServer?.close();
    await invoker.stop();
    await closePorts();
    await releaseLease();
  });
}

if (require.main === module) {
  main(process.env).catch((err: unknown) => {
    process.stderr.write(isConfigError(err) ? `${err.message}\n` : `wisp invoker failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
