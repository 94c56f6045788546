// Topic creation for the Kafka MessageBus. The broker runs with auto-creation off, so every topic
// is created here explicitly, idempotently, with its partitions and config (invoker topics carry
// max.message.bytes >= 2 MB and retention >= 48 h).

import type { Admin, Kafka } from 'kafkajs';
import type { TopicOptions } from '../../spi/message-bus';

const ENSURE_TOPIC_PATIENCE_MS = 15_000;
const NOT_READY_TYPES = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'TOPIC_ALREADY_EXISTS']);

/** The answers a topic being created by another process gives for a moment. */
export function isTopicNotReady(error: unknown): boolean {
  const e = error as { type?: unknown; errors?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.type === 'string' && NOT_READY_TYPES.has(e.type)) return true;
  // createTopics wraps per-topic failures in a KafkaJSAggregateError.
  return Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every((inner) => isTopicNotReady(inner));
}

export class KafkaTopicAdmin {
  private admin?: Promise<Admin>;

  constructor(private readonly kafka: Kafka) {}

  /**
   * Resolves once the topic exists and every partition has a leader. Several processes creating
   * one topic at once (two invokers and the dead-letter topic) can see it half made: metadata that
   * does not host the partition yet, no leader yet. Those answers are retried for a bounded time.
   */
  async ensureTopic(topic: string, options: TopicOptions = {}): Promise<void> {
    const deadline = Date.now() + ENSURE_TOPIC_PATIENCE_MS;
    for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
      try {
        await this.ensureOnce(topic, options);
        return;
      } catch (error) {
        if (!isTopicNotReady(error) || Date.now() + delay > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async ensureOnce(topic: string, options: TopicOptions): Promise<void> {
    const admin = await this.connected();
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          // One partition unless asked: per-invoker topics are ordered queues, as in OpenWhisk.
          numPartitions: options.partitions ?? 1,
          configEntries: Object.entries(options.config ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
    });
    // createTopics answers false for a topic that already exists, without waiting for leaders;
    // a topic another process created a moment ago may still lack one.
    if (!created) await admin.fetchTopicMetadata({ topics: [topic] });
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return;
    const admin = await this.connected();
    await admin.deleteTopics({ topics: [...topics] });
  }

  async listTopics(): Promise<string[]> {
    const admin = await this.connected();
    return admin.listTopics();
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await (await admin.catch(() => undefined))?.disconnect();
  }

  private connected(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(() => admin);
      // A failed connect is not cached: the next call tries again.
      this.admin.catch(() => {
        this.admin = undefined;
      });
    }
    return this.admin;
  }
}
