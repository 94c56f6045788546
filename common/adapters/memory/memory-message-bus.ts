// The standalone profile's MessageBus: in-process partitioned topics with consumer groups. It keeps
// Kafka's observable behaviour (topics must be created, keys pick partitions, order per partition,
// commits per group, at-least-once redelivery after a member leaves, max.message.bytes) so code
// tested against it behaves the same on Kafka. Not durable: the process is the broker — unless a
// MemoryBusPersistence is plugged in, which is how the embedded bus keeps the same state on disk.

import type { Logger } from '../../logging/logger';
import type {
  MessageBus,
  MessageBusCapabilities,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
  TopicOptions,
} from '../../spi/message-bus';
import { createOpenSubscriptions } from '../open-subscriptions';
import { MemoryConsumerGroup, MemoryGroupMember } from './memory-consumer-group';
import { MemoryTopic, type PlacedMessage } from './memory-topic-log';

export const memoryMessageBusCapabilities: MessageBusCapabilities = { durable: false };

export interface MemoryMessageBusOptions {
  readonly logger: Logger;
  /** Keeps the bus's state somewhere that outlives the process; without it, nothing does. */
  readonly persistence?: MemoryBusPersistence;
}

/**
 * What a durable bus plugs in (embedded-message-bus.ts). Each hook that returns a promise records
 * its change synchronously — throwing when it cannot, and then the bus changes nothing — and the
 * promise resolves once the change is durable; the bus answers its caller only after that.
 */
export interface MemoryBusPersistence {
  /** The bus's topic table as recovered; the bus adds the topics it creates. */
  readonly topics: Map<string, MemoryTopic>;
  topicCreated(topic: MemoryTopic): Promise<void>;
  groupCreated(topic: MemoryTopic, groupId: string): Promise<void>;
  /** `placed` is appended right after this returns, and becomes readable once the promise resolves. */
  appending(topic: MemoryTopic, placed: readonly PlacedMessage[]): Promise<void>;
  /** A group's committed offset moved forward; recording it may be lazy (at-least-once). */
  committed(topic: MemoryTopic, groupId: string, partition: number, nextOffset: number): void;
}

export function createMemoryMessageBus(options: MemoryMessageBusOptions): MessageBus {
  const { logger, persistence } = options;
  const topics = persistence?.topics ?? new Map<string, MemoryTopic>();
  /** Topics whose creation is not durable yet: a second ensureTopic waits for it too. */
  const creating = new Map<string, Promise<void>>();
  const members = createOpenSubscriptions();
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new Error('message bus is closed');
  }

  function existingTopic(topic: string): MemoryTopic {
    assertOpen();
    const found = topics.get(topic);
    // Kafka runs with auto-creation off; failing here too keeps a missing ensureTopic from hiding in standalone.
    if (!found) throw new Error(`topic '${topic}' does not exist`);
    return found;
  }

  return {
    async ensureTopic(topic: string, topicOptions?: TopicOptions): Promise<void> {
      assertOpen();
      if (topics.has(topic)) {
        await creating.get(topic);
        return;
      }
      const partitionCount = topicOptions?.partitions ?? 1;
      if (!Number.isInteger(partitionCount) || partitionCount < 1) {
        throw new Error(`partitions must be a positive integer, but was ${partitionCount}`);
      }
      const created = new MemoryTopic(topic, partitionCount, { ...topicOptions?.config });
      const durable = persistence?.topicCreated(created);
      topics.set(topic, created);
      if (!durable) return;
      creating.set(topic, durable);
      try {
        await durable;
      } finally {
        creating.delete(topic);
      }
    },

    async send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
      const target = existingTopic(topic);
      const placed = target.place(messages, Date.now());
      const durable = persistence?.appending(target, placed);
      target.append(placed);
      if (durable) await durable;
      target.expose(placed);
    },

    async subscribe(subscribeOptions: SubscribeOptions): Promise<Subscription> {
      const { topic, groupId } = subscribeOptions;
      const target = existingTopic(topic);
      let group = target.groups.get(groupId);
      if (!group) {
        group = new MemoryConsumerGroup(target, groupId, persistence && ((p, next) => persistence.committed(target, groupId, p, next)));
        const durable = persistence?.groupCreated(target, groupId);
        target.groups.set(groupId, group);
        if (durable) await durable;
        assertOpen();
      }
      const member = new MemoryGroupMember(group, subscribeOptions.onMessage, logger.child({ topic, groupId }));
      const subscription = members.track(member);
      group.join(member);
      return subscription;
    },

    async close(): Promise<void> {
      closed = true;
      await members.closeAll();
    },
  };
}
