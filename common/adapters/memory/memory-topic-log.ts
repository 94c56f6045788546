// A topic of the in-process bus: its partition logs, where each sent message lands (key hash or
// round robin), and Kafka's max.message.bytes check. The bus (memory-message-bus.ts) and the
// embedded bus's recovery (embedded/bus-table.ts) both build topics from here.

import type { OutgoingMessage } from '../../spi/message-bus';
import type { MemoryConsumerGroup, PartitionLog, PartitionLogs, StoredMessage } from './memory-consumer-group';

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
