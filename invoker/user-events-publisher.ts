import type { ActivationRecord } from '../common/entities/activation';
import type { Logger } from '../common/logging/logger';
import { activationEvent } from '../common/protocol/user-event';
import type { MessageBus, OutgoingMessage } from '../common/spi/message-bus';

// Publishes each record this invoker created as a user event, off the activation's path: events
// are queued and sent in batches (one produce request for many activations), and a bus that is
// down costs events, never activations. Dropped events are counted and logged.

const USER_EVENTS_TOPIC_CONFIG = { 'retention.ms': String(24 * 3600 * 1000) };

export interface UserEventsPublisherOptions {
  readonly bus: MessageBus;
  readonly topic: string;
  /** The `source` of every event: this invoker's id. */
  readonly source: string;
  readonly logger: Logger;
  /** Events waiting beyond this are dropped (counted): a dead bus must not grow the heap. */
  readonly maxQueued?: number;
  readonly maxBatch?: number;
}

export class UserEventsPublisher {
  private queue: OutgoingMessage[] = [];
  private sending: Promise<void> | undefined;
  private topicReady: Promise<void> | undefined;
  private closed = false;
  dropped = 0;
  sent = 0;

  constructor(private readonly options: UserEventsPublisherOptions) {}

  recorded(record: ActivationRecord): void {
    if (this.closed) return;
    if (this.queue.length >= (this.options.maxQueued ?? 10_000)) {
      this.drop(1, 'queue full');
      return;
    }
    this.queue.push({ key: record.namespace, value: Buffer.from(JSON.stringify(activationEvent(record, this.options.source))) });
    this.sending ??= this.sendAll();
  }

  /** Sends what is queued (bounded by `withinMs`), then accepts nothing more. */
  async close(withinMs = 2000): Promise<void> {
    this.closed = true;
    if (!this.sending) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.sending, new Promise<void>((resolve) => (timer = setTimeout(resolve, withinMs)))]);
    clearTimeout(timer);
  }

  private async sendAll(): Promise<void> {
    // Let the activations finishing in this turn of the event loop join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.maxBatch ?? 500);
        try {
          this.topicReady ??= this.options.bus.ensureTopic(this.options.topic, { partitions: 1, config: USER_EVENTS_TOPIC_CONFIG });
          await this.topicReady;
          await this.options.bus.send(this.options.topic, batch);
          this.sent += batch.length;
        } catch (error) {
          this.topicReady = undefined;
          this.drop(batch.length, 'send failed', error);
        }
      }
    } finally {
      this.sending = undefined;
    }
  }

  private drop(count: number, why: string, error?: unknown): void {
    this.dropped += count;
    this.options.logger.warn({ err: error, dropped: count, droppedTotal: this.dropped }, `user events dropped: ${why}`);
  }
}
