// MessageBus: durable, partitioned, replayable queues (activation messages, trigger events).
// Adapters: kafka (kafkajs), memory. Deliberately excluded: transactions, exactly-once, and
// any per-message acknowledgement on the wire — consumers mark messages done, and the adapter
// commits asynchronously up to the contiguous low-watermark of done messages per partition, so
// a message finished early never commits past an earlier one still running.

export interface OutgoingMessage {
  readonly key?: string;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ReceivedMessage {
  readonly topic: string;
  readonly partition: number;
  /** Decimal string, as Kafka offsets exceed 2^53 in principle. */
  readonly offset: string;
  readonly key?: string;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

export interface TopicOptions {
  readonly partitions?: number;
  /** Topic-level config, e.g. `{ 'max.message.bytes': '2097152', 'retention.ms': '172800000' }`. */
  readonly config?: Readonly<Record<string, string>>;
}

export interface SubscribeOptions {
  readonly topic: string;
  readonly groupId: string;
  /**
   * Called once per message, in offset order per partition. Must return quickly: long work is
   * handed off and finished later with `subscription.done(message)`.
   */
  readonly onMessage: (message: ReceivedMessage) => void | Promise<void>;
}

export type ConsumerState = 'starting' | 'running' | 'paused' | 'crashed' | 'stopped';

export interface ConsumerHealth {
  readonly state: ConsumerState;
  /** epoch ms of the last completed fetch (or 0); a stalled consumer shows an old value. */
  readonly lastFetchAt: number;
  /**
   * Messages on the assigned partitions not yet fetched, as of the last fetch (the log's end
   * minus the consumer's position, summed); undefined until the adapter knows.
   */
  readonly lag?: number;
}

export interface Subscription {
  /** Marks a message finished; the commit happens asynchronously up to the low-watermark. */
  done(message: ReceivedMessage): void;
  /** Stops fetching (backpressure); already delivered messages stay delivered. */
  pause(): void;
  resume(): void;
  health(): ConsumerHealth;
  /** Commits what can be committed, then leaves the group. Unfinished messages are redelivered to the next member. */
  close(): Promise<void>;
}

export interface MessageBus {
  /** Idempotent; resolves once the topic exists with a leader. */
  ensureTopic(topic: string, options?: TopicOptions): Promise<void>;
  /** Resolves when the messages are durable (Kafka acks=-1). */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  close(): Promise<void>;
}

export interface MessageBusCapabilities {
  /** Survives a restart of the process that holds the adapter. */
  readonly durable: boolean;
}
