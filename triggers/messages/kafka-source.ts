import { createKafkaClient, createKafkaMessageBus } from '../../common/adapters/kafka/kafka-message-bus';
import type { KafkaFeedSpec } from '../../common/feeds/message-spec';
import type { Logger } from '../../common/logging/logger';
import type { MessageBus, ReceivedMessage, Subscription } from '../../common/spi/message-bus';
import type { RawMessage } from './message-batch';
import type { MessageSource, SourceHealth } from './message-source';

// A kafkaFeed's source: the project's kafkajs MessageBus subscription (at-least-once, a crashed
// consumer recreated with backoff, commits up to the low-watermark of messages marked done) in the
// registration's own consumer group, on the brokers the user named. A new group starts at the
// partitions' ends recorded at CREATE, so what was produced after CREATE answered is all fired,
// whenever the consumer gets to join.

export function createKafkaSource(spec: KafkaFeedSpec, groupId: string, logger: Logger): MessageSource {
  let bus: MessageBus | undefined;
  let subscription: Subscription | undefined;
  const received = new WeakMap<RawMessage, ReceivedMessage>();
  const clientId = `wisp-feed-${groupId}`;

  async function placeNewGroup(): Promise<void> {
    if (!spec.startOffsets) return;
    const admin = createKafkaClient({ brokers: spec.brokers, clientId, logger }).admin();
    try {
      await admin.connect();
      const [committed] = await admin.fetchOffsets({ groupId, topics: [spec.topic] });
      const unset = (committed?.partitions ?? []).filter((p) => p.offset === '-1' && spec.startOffsets![String(p.partition)] !== undefined);
      if (unset.length > 0) await admin.setOffsets({ groupId, topic: spec.topic, partitions: unset.map((p) => ({ partition: p.partition, offset: spec.startOffsets![String(p.partition)]! })) });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  return {
    async start(onMessage) {
      await placeNewGroup();
      bus = createKafkaMessageBus({ brokers: spec.brokers, clientId, logger });
      try {
        subscription = await bus.subscribe({
          topic: spec.topic,
          groupId,
          onMessage: (message) => {
            const raw: RawMessage = {
              lane: `${message.topic}/${message.partition}`,
              position: message.offset,
              value: message.value,
              ...(message.key !== undefined ? { key: message.key } : {}),
              meta: { topic: message.topic, partition: message.partition, offset: Number(message.offset) },
            };
            received.set(raw, message);
            onMessage(raw);
          },
        });
      } catch (err) {
        await bus.close().catch(() => undefined);
        bus = undefined;
        throw err;
      }
    },
    done(messages) {
      for (const raw of messages) {
        const message = received.get(raw);
        if (message) subscription?.done(message);
      }
    },
    pause: () => subscription?.pause(),
    resume: () => subscription?.resume(),
    health(): SourceHealth {
      const state = subscription?.health().state ?? 'starting';
      if (state === 'running' || state === 'paused') return { ok: true };
      return { ok: false, reason: `the Kafka consumer on ${spec.brokers.join(',')} is ${state === 'crashed' ? 'reconnecting after an error' : state}` };
    },
    async close() {
      await bus?.close();
      bus = undefined;
      subscription = undefined;
    },
    async forget() {
      const admin = createKafkaClient({ brokers: spec.brokers, clientId, logger }).admin();
      try {
        await admin.connect();
        await admin.deleteGroups([groupId]);
      } catch (err) {
        logger.warn({ err, groupId }, 'the deleted feed\'s consumer group could not be removed');
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}
