import type { Logger } from '../common/logging/logger';
import type { EntityStore } from '../common/spi/entity-store';
import type { LeaderLock } from '../common/spi/leader-lock';
import { systemClock, type Clock } from './clock';
import type { TriggersConfig } from './config';
import { createNaming } from '../common/naming';
import { createKafkaSource } from './messages/kafka-source';
import { createNatsSource } from './messages/nats-source';
import { createTriggerClient } from './trigger-client';
import { TriggersService } from './triggers-service';

/** The triggers service over the ports a profile's main.ts chose; started, ready to stop. */
export function startTriggers(input: {
  readonly config: TriggersConfig;
  readonly store: EntityStore;
  readonly leaseFor: (registrationKey: string) => LeaderLock;
  readonly logger: Logger;
  readonly clock?: Clock;
}): TriggersService {
  const { config } = input;
  const naming = createNaming(config.shared.prefix);
  const sourceLogger = input.logger.child({ component: 'triggers' });
  const service = new TriggersService({
    store: input.store,
    client: createTriggerClient(config.apiUrl, config.fireTimeoutMs),
    messageKey: config.messageKey,
    leaseFor: input.leaseFor,
    holder: config.instanceId,
    clock: input.clock ?? systemClock,
    logger: input.logger.child({ component: 'triggers' }),
    scanMs: config.scanMs,
    leaseMs: config.leaseMs,
    backoff: config.backoff,
    // The brokers a feed names are the user's; group and consumer names come from this deployment's prefix.
    openSource: (doc) => {
      const logger = sourceLogger.child({ namespace: doc.namespace, trigger: doc.trigger });
      return doc.spec.feed === 'kafkaFeed' ? createKafkaSource(doc.spec, naming.feedGroup(doc.id), logger) : createNatsSource(doc.spec, naming.feedDurable(doc.id), logger);
    },
  });
  service.start();
  return service;
}
