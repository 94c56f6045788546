import type { RuntimeFamily } from '../common/entities/action';
import { DEFAULT_LIMITS } from '../common/entities/limits';
import type { Logger } from '../common/logging/logger';
import { createNaming } from '../common/naming';
import type { ActivationStore } from '../common/spi/activation-store';
import type { ContainerFactory } from '../common/spi/container-factory';
import type { EntityStore } from '../common/spi/entity-store';
import type { MessageBus } from '../common/spi/message-bus';
import type { SignalBus } from '../common/spi/signal-bus';
import type { Registry } from 'prom-client';
import { createActionCache } from './action-cache';
import { ActivationRunner } from './activation-runner';
import type { InvokerConfig } from './config';
import { ContainerPool } from './pool/container-pool';
import { InvokerService, type RecordObserver } from './invoker-service';
import { UserEventsPublisher } from './user-events-publisher';
import { InvokerMetrics } from './invoker-metrics';
import type { LedgerDevice } from './gpu/gpu-ledger';

// Wires one invoker from ports chosen elsewhere: invoker/main.ts picks Kafka, NATS, Redis and
// Docker; the standalone launcher picks memory buses, embedded stores and either factory. The
// invoker owns the factory from here on (stop() closes it); buses and stores stay the caller's,
// as a standalone process shares them with the controller.

export interface InvokerDeps {
  readonly config: InvokerConfig;
  readonly bus: MessageBus;
  readonly signals: SignalBus;
  readonly entities: EntityStore;
  readonly activations: ActivationStore;
  readonly factory: ContainerFactory;
  readonly logger: Logger;
  /** The process's metrics registry; no metrics are kept without one. */
  readonly metrics?: Registry;
  /** The GPUs detected at start (WISP_INVOKER_GPUS=detect); the declared ones otherwise. */
  readonly gpus?: readonly LedgerDevice[];
}

export function createInvoker(deps: InvokerDeps): InvokerService {
  const { config } = deps;
  const naming = createNaming(config.shared.prefix);
  const logger = deps.logger.child({ invokerId: config.invokerId });
  const pool = new ContainerPool({
    factory: deps.factory,
    userMemoryMb: config.userMemoryMb,
    idleContainerMs: config.idleContainerMs,
    pauseGraceMs: config.pauseGraceMs,
    gpus: deps.gpus ?? (config.gpus.source === 'declared' ? config.gpus.devices : []),
    gpuIdleContainerMs: config.gpuIdleContainerMs,
    gpuPause: config.gpuPause,
    prewarm: (Object.keys(config.prewarm) as RuntimeFamily[]).map((family) => {
      let seq = 0;
      return {
        family,
        count: config.prewarm[family],
        // As OpenWhisk, stem cells at the default memory: what most actions ask for.
        memoryMb: DEFAULT_LIMITS.memory,
        spec: () => ({
          name: naming.containerName(config.invokerId, `prewarm_${family}_${++seq}_${Date.now().toString(36)}`),
          family,
          image: config.runtimeImages[family],
          memoryMb: DEFAULT_LIMITS.memory,
          env: {},
        }),
      };
    }),
    logger: logger.child({ component: 'container-pool' }),
  });
  const runner = new ActivationRunner({
    actions: createActionCache(deps.entities, logger.child({ component: 'action-cache' })),
    pool,
    naming,
    invokerId: config.invokerId,
    runtimeImages: config.runtimeImages,
    logger,
  });
  let service: InvokerService | undefined;
  const metrics = deps.metrics
    ? new InvokerMetrics(deps.metrics, {
        invokerId: config.invokerId,
        pool: () => pool.census(),
        consumer: () => service?.consumerHealth(),
        intakeLength: () => service?.intakeLength() ?? 0,
        gpus: () => pool.gpuStatus(),
      })
    : undefined;
  const observers: RecordObserver[] = [];
  if (metrics) observers.push(metrics);
  if (config.userEvents) observers.push(new UserEventsPublisher({ bus: deps.bus, topic: naming.userEventsTopic(), source: config.invokerId, logger: logger.child({ component: 'user-events' }) }));
  service = new InvokerService({
    observers,
    config,
    naming,
    bus: deps.bus,
    signals: deps.signals,
    activations: deps.activations,
    pool,
    runner,
    logger,
  });
  return service;
}
