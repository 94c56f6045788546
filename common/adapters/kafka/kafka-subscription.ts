// One kafkajs consumer per subscription, run for at-least-once delivery without head-of-line
// blocking: eachBatch hands every message to the (quick) handler, resolves it so the next fetch
// moves on, and heartbeats; offsets are committed separately and asynchronously up to the
// low-watermark of messages marked done. kafkajs has no background heartbeat and is known to crash
// or hang after broker trouble, so the consumer's events drive health, and every crash makes this
// class build a new consumer (bounded backoff) until it is closed.

import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../../logging/logger';
import type { ConsumerHealth, ConsumerState, ReceivedMessage, SubscribeOptions, Subscription } from '../../spi/message-bus';
import { OffsetWatermark } from '../offset-watermark';
import { CommitCoalescer, type PartitionOffset } from './commit-coalescer';

export interface ConsumerTuning {
  /** Long-poll bound; also bounds how late stop, pause and rejoin take effect. */
  readonly maxWaitTimeInMs: number;
  readonly sessionTimeout: number;
  readonly heartbeatInterval: number;
  readonly rebalanceTimeout: number;
  /** Small, so one partition cannot fill a fetch and batches stay short. */
  readonly maxBytesPerPartition: number;
  readonly restartBackoffMs: { readonly initial: number; readonly max: number };
  /** Least time between two offset commits (see commit-coalescer.ts); a crash redelivers at most this much more. */
  readonly commitIntervalMs: number;
}

export const defaultConsumerTuning: ConsumerTuning = {
  maxWaitTimeInMs: 100,
  sessionTimeout: 10_000,
  heartbeatInterval: 1_000,
  rebalanceTimeout: 30_000,
  maxBytesPerPartition: 256 * 1024,
  restartBackoffMs: { initial: 500, max: 30_000 },
  commitIntervalMs: 50,
};

function toReceived(topic: string, partition: number, message: KafkaMessage): ReceivedMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    // Wisp only sends string headers; a repeated header from another producer keeps its last value.
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) headers[name] = last.toString('utf8');
  }
  return {
    topic,
    partition,
    offset: message.offset,
    ...(message.key !== null && message.key !== undefined ? { key: message.key.toString('utf8') } : {}),
    value: message.value ?? Buffer.alloc(0),
    headers,
  };
}

export class KafkaSubscription implements Subscription {
  private consumer?: Consumer;
  private state: ConsumerState = 'starting';
  private lastFetchAt = 0;
  /** kafkajs's offsetLag of each partition's last batch ("topic:partition" → messages behind the high watermark). */
  private readonly lagByPartition = new Map<string, number>();
  /** Bumped on every group join: messages delivered under an older one are stale. */
  private generation = 0;
  private readonly watermark = new OffsetWatermark();
  private readonly deliveredIn = new WeakMap<ReceivedMessage, number>();
  private readonly commits: CommitCoalescer;
  private paused = false;
  private closed = false;
  private closing?: Promise<void>;
  private restartTimer?: NodeJS.Timeout;
  private restartAttempts = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: SubscribeOptions,
    private readonly tuning: ConsumerTuning,
    private readonly logger: Logger,
  ) {
    this.commits = new CommitCoalescer(
      (offsets) => this.commitOffsets(offsets),
      (err, offsets) => this.logger.warn({ err, offsets }, 'offset commit failed; it will be retried with the next one'),
      this.tuning.commitIntervalMs,
    );
  }

  /** Resolves once the consumer has joined its group; rejects (and cleans up) when it cannot start. */
  async start(): Promise<void> {
    const consumer = this.createConsumer();
    this.consumer = consumer;
    try {
      await consumer.connect();
      // A new group starts at the earliest retained message, so nothing sent before the first
      // subscription is skipped (at-least-once from the moment Kafka accepted it).
      await consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
      // close() during a restart must not leave a consumer running that nobody will stop.
      if (this.closed) throw new Error('subscription closed while its consumer was starting');
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => this.eachBatch(payload),
      });
    } catch (err) {
      if (this.consumer === consumer) this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    if (this.closed) await consumer.disconnect().catch(() => undefined);
  }

  done(message: ReceivedMessage): void {
    if (this.closed || this.deliveredIn.get(message) !== this.generation) return;
    const advanced = this.watermark.markDone(message.partition, message.offset);
    if (advanced !== undefined) this.commits.offer(message.partition, advanced);
  }

  pause(): void {
    if (this.closed || this.paused) return;
    this.paused = true;
    if (this.state === 'running') this.state = 'paused';
    this.applyPause();
  }

  resume(): void {
    if (this.closed || !this.paused) return;
    this.paused = false;
    if (this.state === 'paused') this.state = 'running';
    try {
      this.consumer?.resume([{ topic: this.options.topic }]);
    } catch {
      // Not joined yet (or restarting): nothing is paused on the consumer, so nothing to undo.
    }
  }

  health(): ConsumerHealth {
    let lag: number | undefined;
    for (const behind of this.lagByPartition.values()) lag = (lag ?? 0) + behind;
    return { state: this.state, lastFetchAt: this.lastFetchAt, ...(lag !== undefined ? { lag } : {}) };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    this.state = 'stopped';
    clearTimeout(this.restartTimer);
    // Commit before leaving: kafkajs drops commits once its runner has stopped.
    await this.commits.flush();
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch((err: unknown) => this.logger.warn({ err }, 'consumer disconnect failed'));
  }

  private createConsumer(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      maxWaitTimeInMs: this.tuning.maxWaitTimeInMs,
      sessionTimeout: this.tuning.sessionTimeout,
      heartbeatInterval: this.tuning.heartbeatInterval,
      rebalanceTimeout: this.tuning.rebalanceTimeout,
      maxBytesPerPartition: this.tuning.maxBytesPerPartition,
      allowAutoTopicCreation: false,
      // kafkajs would restart a crashed consumer in place on retriable errors only, and a consumer
      // restarted in place is the one reported to hang (#659); the supervisor here recreates it
      // after every crash instead, with its own backoff.
      retry: { initialRetryTime: 100, retries: 8, restartOnFailure: async () => false },
    });
    const { GROUP_JOIN, FETCH, CRASH, STOP, END_BATCH_PROCESS } = consumer.events;
    consumer.on(END_BATCH_PROCESS, ({ payload }) => {
      // offsetLag counts from the batch's last offset to the high watermark: what the next fetches still have to bring.
      if (consumer === this.consumer) this.lagByPartition.set(`${payload.topic}:${payload.partition}`, Math.max(0, Number(payload.offsetLag)));
    });
    consumer.on(GROUP_JOIN, ({ payload }) => {
      if (consumer !== this.consumer) return;
      // kafkajs refetches every assigned partition from the committed offset after a join, so
      // everything in flight will be delivered again: forget it all, and what was not yet sent.
      this.generation++;
      this.lagByPartition.clear();
      this.watermark.resetAll();
      this.commits.discard();
      this.restartAttempts = 0;
      if (this.closed) return;
      this.state = this.paused ? 'paused' : 'running';
      if (this.paused) this.applyPause();
      this.logger.debug({ memberAssignment: payload.memberAssignment }, 'joined consumer group');
    });
    consumer.on(FETCH, () => {
      if (consumer === this.consumer) this.lastFetchAt = Date.now();
    });
    consumer.on(STOP, () => {
      // A crash stops the consumer before CRASH is emitted; keep 'crashed' if it came first anyway.
      if (consumer === this.consumer && this.state !== 'crashed') this.state = 'stopped';
    });
    consumer.on(CRASH, ({ payload }) => {
      if (consumer !== this.consumer || this.closed) return;
      this.state = 'crashed';
      this.logger.error({ err: payload.error, restart: payload.restart }, 'kafka consumer crashed');
      if (!payload.restart) this.scheduleRestart();
    });
    return consumer;
  }

  private scheduleRestart(): void {
    const { initial, max } = this.tuning.restartBackoffMs;
    const delay = Math.min(max, initial * 2 ** this.restartAttempts);
    this.restartAttempts++;
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    if (this.closed) return;
    const old = this.consumer;
    this.consumer = undefined;
    await old?.disconnect().catch(() => undefined);
    if (this.closed) return;
    this.state = 'starting';
    try {
      await this.start();
      this.logger.warn({ attempt: this.restartAttempts }, 'kafka consumer recreated');
    } catch (err) {
      if (this.closed) return;
      this.state = 'crashed';
      this.logger.error({ err, attempt: this.restartAttempts }, 'recreating the kafka consumer failed');
      this.scheduleRestart();
    }
  }

  private applyPause(): void {
    try {
      this.consumer?.pause([{ topic: this.options.topic }]);
    } catch {
      // Not joined yet: the GROUP_JOIN handler pauses it, and eachBatch checks the flag meanwhile.
    }
  }

  private async commitOffsets(offsets: readonly PartitionOffset[]): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    await consumer.commitOffsets(offsets.map(({ partition, offset }) => ({ topic: this.options.topic, partition, offset })));
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const generation = this.generation;
    for (const message of batch.messages) {
      // Stopping mid-batch leaves the rest unresolved, so the next fetch starts right after the
      // last delivered message: a pause from inside the handler takes effect at once.
      if (this.closed || this.paused || generation !== this.generation || !isRunning() || isStale()) break;
      const received = toReceived(batch.topic, batch.partition, message);
      this.watermark.delivered(batch.partition, message.offset);
      this.deliveredIn.set(received, generation);
      resolveOffset(message.offset);
      try {
        await this.options.onMessage(received);
      } catch (err) {
        // The message stays unfinished until done(); a throwing handler must not stop the partition.
        this.logger.error({ err, partition: batch.partition, offset: message.offset }, 'message handler threw');
      }
      await heartbeat();
    }
  }
}
