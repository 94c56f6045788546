// The standalone profile's MessageBus: in-process partitioned topics with consumer groups. It keeps
// Kafka's observable behaviour (topics must be created, keys pick partitions, order per partition,
// commits per group, at-least-once redelivery after a member leaves, max.message.bytes) so code
// tested against it behaves the same on Kafka. Not durable: the process is the broker.

import type { Logger } from '../../logging/logger';
import type {
  MessageBus,
  MessageBusCapabilities,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
  TopicOptions,
} from '../../spi/message-bus';
import { MemoryConsumerGroup, MemoryGroupMember, type StoredMessage } from './memory-consumer-group';

export const memoryMessageBusCapabilities: MessageBusCapabilities = { durable: false };

export interface MemoryMessageBusOptions {
  readonly logger: Logger;
}

interface MemoryTopic {
  readonly topic: string;
  readonly partitions: StoredMessage[][];
  readonly groups: Map<string, MemoryConsumerGroup>;
  readonly maxMessageBytes?: number;
  nextUnkeyedPartition: number;
}

/** FNV-1a over the key's UTF-8 bytes: stable across runs, so a key always lands on one partition. */
export function partitionForKey(key: string, partitionCount: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitionCount;
}

function messageSize(message: OutgoingMessage): number {
  let size = message.value.length + (message.key ? Buffer.byteLength(message.key) : 0);
  for (const [name, value] of Object.entries(message.headers ?? {})) size += Buffer.byteLength(name) + Buffer.byteLength(value);
  return size;
}

export function createMemoryMessageBus(options: MemoryMessageBusOptions): MessageBus {
  const logger = options.logger;
  const topics = new Map<string, MemoryTopic>();
  const members = new Set<MemoryGroupMember>();
  let closed = false;

  function existingTopic(topic: string): MemoryTopic {
    if (closed) throw new Error('message bus is closed');
    const found = topics.get(topic);
    // Kafka runs with auto-creation off; failing here too keeps a missing ensureTopic from hiding in standalone.
    if (!found) throw new Error(`topic '${topic}' does not exist`);
    return found;
  }

  return {
    async ensureTopic(topic: string, topicOptions?: TopicOptions): Promise<void> {
      if (closed) throw new Error('message bus is closed');
      if (topics.has(topic)) return;
      const partitionCount = topicOptions?.partitions ?? 1;
      if (!Number.isInteger(partitionCount) || partitionCount < 1) {
        throw new Error(`partitions must be a positive integer, but was ${partitionCount}`);
      }
      const maxBytes = topicOptions?.config?.['max.message.bytes'];
      topics.set(topic, {
        topic,
        partitions: Array.from({ length: partitionCount }, () => []),
        groups: new Map(),
        ...(maxBytes !== undefined ? { maxMessageBytes: Number(maxBytes) } : {}),
        nextUnkeyedPartition: 0,
      });
    },

    async send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
      const target = existingTopic(topic);
      // Validate the whole batch first: like a produce request, a rejected send appends nothing.
      for (const message of messages) {
        if (!Buffer.isBuffer(message.value)) throw new TypeError('message value must be a Buffer');
        const size = messageSize(message);
        if (target.maxMessageBytes !== undefined && size > target.maxMessageBytes) {
          throw new Error(`message of ${size} bytes exceeds max.message.bytes ${target.maxMessageBytes} of topic '${topic}'`);
        }
      }
      const touched = new Set<number>();
      for (const message of messages) {
        const count = target.partitions.length;
        const partition =
          message.key !== undefined ? partitionForKey(message.key, count) : target.nextUnkeyedPartition++ % count;
        target.partitions[partition]!.push({
          ...(message.key !== undefined ? { key: message.key } : {}),
          value: Buffer.from(message.value),
          headers: { ...message.headers },
        });
        touched.add(partition);
      }
      for (const group of target.groups.values()) for (const partition of touched) group.appended(partition);
    },

    async subscribe(subscribeOptions: SubscribeOptions): Promise<Subscription> {
      const target = existingTopic(subscribeOptions.topic);
      let group = target.groups.get(subscribeOptions.groupId);
      if (!group) {
        group = new MemoryConsumerGroup(target, subscribeOptions.groupId);
        target.groups.set(subscribeOptions.groupId, group);
      }
      const member = new MemoryGroupMember(
        group,
        subscribeOptions.onMessage,
        logger.child({ topic: subscribeOptions.topic, groupId: subscribeOptions.groupId }),
      );
      members.add(member);
      group.join(member);
      return {
        done: (message) => member.done(message),
        pause: () => member.pause(),
        resume: () => member.resume(),
        health: () => member.health(),
        close: async () => {
          members.delete(member);
          await member.close();
        },
      };
    },

    async close(): Promise<void> {
      closed = true;
      const open = [...members];
      members.clear();
      await Promise.all(open.map((member) => member.close()));
    },
  };
}
