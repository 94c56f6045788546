// Topic creation for the Kafka MessageBus. The broker runs with auto-creation off, so every topic
// is created here explicitly, idempotently, with its partitions and config (invoker topics carry
// max.message.bytes >= 2 MB and retention >= 48 h).

import type { Admin, Kafka } from 'kafkajs';
import type { TopicOptions } from '../../spi/message-bus';

export class KafkaTopicAdmin {
  private admin?: Promise<Admin>;

  constructor(private readonly kafka: Kafka) {}

  /** Resolves once the topic exists and every partition has a leader. */
  async ensureTopic(topic: string, options: TopicOptions = {}): Promise<void> {
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
