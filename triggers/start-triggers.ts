import type { Logger } from '../common/logging/logger';
import type { EntityStore } from '../common/spi/entity-store';
import type { LeaderLock } from '../common/spi/leader-lock';
import { systemClock, type Clock } from './clock';
import type { TriggersConfig } from './config';
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
  });
  service.start();
  return service;
}
