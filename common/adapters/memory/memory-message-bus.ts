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
import { MemoryConsumerGroup, MemoryGroupMember, type PartitionLog, type PartitionLogs, type StoredMessage } from './memory-consumer-group';

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

export interface PlacedMessage {
  readonly partition: number;
  readonly offset: number;
  readonly message: StoredMessage;
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

/** One partition's messages. Appended messages become readable only when exposed, and old ones can be dropped. */
export class MemoryPartitionLog implements PartitionLog {
  private messages: StoredMessage[] = [];
  /** Index in `messages` of the message at `start`: dropping moves it instead of shifting the array each time. */
  private head = 0;
  private start: number;
  private readable: number;

  constructor(startOffset = 0) {
    this.start = startOffset;
    this.readable = startOffset;
  }

  get startOffset(): number {
    return this.start;
  }

  get endOffset(): number {
    return this.readable;
  }

  /** The offset the next appended message gets. */
  get nextOffset(): number {
    return this.start + this.messages.length - this.head;
  }

  at(offset: number): StoredMessage {
    const message = offset >= this.start ? this.messages[this.head + offset - this.start] : undefined;
    if (!message) throw new RangeError(`offset ${offset} is outside [${this.start}, ${this.nextOffset})`);
    return message;
  }

  oldest(): StoredMessage | undefined {
    return this.messages[this.head];
  }

  /** Every message kept, readable or not, oldest first, with its offset. */
  *kept(): Generator<[number, StoredMessage]> {
    for (let i = this.head; i < this.messages.length; i++) yield [this.start + i - this.head, this.messages[i]!];
  }

  append(message: StoredMessage): number {
    this.messages.push(message);
    return this.nextOffset - 1;
  }

  /** Makes the messages below `offset` readable. */
  expose(offset: number): void {
    this.readable = Math.min(Math.max(this.readable, offset), this.nextOffset);
  }

  /** Drops the messages below `offset` (never one not yet readable) and returns them. */
  dropBefore(offset: number): StoredMessage[] {
    const count = Math.min(offset, this.readable) - this.start;
    if (count <= 0) return [];
    const dropped = this.messages.slice(this.head, this.head + count);
    this.head += count;
    this.start += count;
    // Reclaim the array's dead front once it is the larger part.
    if (this.head > 1024 && this.head * 2 > this.messages.length) {
      this.messages = this.messages.slice(this.head);
      this.head = 0;
    }
    return dropped;
  }
}

export class MemoryTopic implements PartitionLogs {
  readonly partitions: readonly MemoryPartitionLog[];
  readonly groups = new Map<string, MemoryConsumerGroup>();
  readonly maxMessageBytes: number | undefined;
  private nextUnkeyedPartition = 0;

  constructor(
    readonly topic: string,
    partitionCount: number,
    readonly config: Readonly<Record<string, string>> = {},
    startOffsets: readonly number[] = [],
  ) {
    this.partitions = Array.from({ length: partitionCount }, (_, p) => new MemoryPartitionLog(startOffsets[p] ?? 0));
    const maxBytes = config['max.message.bytes'];
    this.maxMessageBytes = maxBytes !== undefined ? Number(maxBytes) : undefined;
  }

  /** Validates a whole batch and picks each message's partition and offset; appends nothing. */
  place(messages: readonly OutgoingMessage[], now: number): PlacedMessage[] {
    // Like a produce request, a rejected batch appends nothing.
    for (const message of messages) {
      if (!Buffer.isBuffer(message.value)) throw new TypeError('message value must be a Buffer');
      const size = messageSize(message);
      if (this.maxMessageBytes !== undefined && size > this.maxMessageBytes) {
        throw new Error(`message of ${size} bytes exceeds max.message.bytes ${this.maxMessageBytes} of topic '${this.topic}'`);
      }
    }
    const count = this.partitions.length;
    const nextOffsets = this.partitions.map((log) => log.nextOffset);
    return messages.map((message) => {
      const partition = message.key !== undefined ? partitionForKey(message.key, count) : this.nextUnkeyedPartition++ % count;
      const offset = nextOffsets[partition]!++;
      const stored: StoredMessage = {
        ...(message.key !== undefined ? { key: message.key } : {}),
        value: Buffer.from(message.value),
        headers: { ...message.headers },
        timestamp: now,
      };
      return { partition, offset, message: stored };
    });
  }

  append(placed: readonly PlacedMessage[]): void {
    for (const { partition, offset, message } of placed) {
      const appendedAt = this.partitions[partition]!.append(message);
      if (appendedAt !== offset) throw new Error(`placed at offset ${offset} of ${this.topic}/${partition}, but appended at ${appendedAt}`);
    }
  }

  /** Makes appended messages readable and wakes the members that own their partitions. */
  expose(placed: readonly PlacedMessage[]): void {
    const touched = new Map<number, number>();
    for (const { partition, offset } of placed) touched.set(partition, Math.max(touched.get(partition) ?? 0, offset + 1));
    for (const [partition, end] of touched) this.partitions[partition]!.expose(end);
    for (const group of this.groups.values()) for (const partition of touched.keys()) group.appended(partition);
  }
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
