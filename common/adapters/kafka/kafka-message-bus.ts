// MessageBus over Kafka with kafkajs: durable activation queues and trigger events. Producer sends
// wait for acks=-1; kafkajs's idempotent producer stays off (it serialises every send behind one
// lock) because the activation id is the deduplication key. Config comes from the caller.

import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
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
import { pinoLogCreator } from './kafka-log-creator';
import { KafkaSubscription, defaultConsumerTuning, type ConsumerTuning } from './kafka-subscription';
import { KafkaTopicAdmin } from './kafka-topic-admin';

export const kafkaMessageBusCapabilities: MessageBusCapabilities = { durable: true };

export interface KafkaMessageBusOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: Logger;
  readonly consumerTuning?: Partial<ConsumerTuning>;
}

export function createKafkaClient(options: Pick<KafkaMessageBusOptions, 'brokers' | 'clientId' | 'logger'>): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 100, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(options.logger),
  });
}

export function createKafkaMessageBus(options: KafkaMessageBusOptions): MessageBus {
  const logger = options.logger;
  const kafka = createKafkaClient(options);
  const admin = new KafkaTopicAdmin(kafka);
  const tuning: ConsumerTuning = { ...defaultConsumerTuning, ...options.consumerTuning };
  const producer: Producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  let producerReady: Promise<void> | undefined;
  const subscriptions = createOpenSubscriptions();
  /** Topics seen to exist; others are checked once, because kafkajs retries a send to a missing topic for ~10 s. */
  const knownTopics = new Set<string>();
  let closed = false;

  async function assertTopicExists(topic: string): Promise<void> {
    if (knownTopics.has(topic)) return;
    const topics = await admin.listTopics();
    for (const existing of topics) knownTopics.add(existing);
    if (!knownTopics.has(topic)) throw new Error(`topic '${topic}' does not exist`);
  }

  function connectedProducer(): Promise<void> {
    if (!producerReady) {
      producerReady = producer.connect();
      // A failed connect is not cached: the next send tries again.
      producerReady.catch(() => {
        producerReady = undefined;
      });
    }
    return producerReady;
  }

  function assertOpen(): void {
    if (closed) throw new Error('message bus is closed');
  }

  return {
    async ensureTopic(topic: string, topicOptions?: TopicOptions): Promise<void> {
      assertOpen();
      await admin.ensureTopic(topic, topicOptions);
      knownTopics.add(topic);
    },

    async send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
      assertOpen();
      if (messages.length === 0) return;
      await Promise.all([connectedProducer(), assertTopicExists(topic)]);
      await producer.send({
        topic,
        acks: -1,
        messages: messages.map((message) => ({
          key: message.key ?? null,
          value: message.value,
          ...(message.headers ? { headers: { ...message.headers } } : {}),
        })),
      });
    },

    async subscribe(subscribeOptions: SubscribeOptions): Promise<Subscription> {
      assertOpen();
      const subscription = new KafkaSubscription(
        kafka,
        subscribeOptions,
        tuning,
        logger.child({ topic: subscribeOptions.topic, groupId: subscribeOptions.groupId }),
      );
      await subscription.start();
      return subscriptions.track(subscription);
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await subscriptions.closeAll();
      if (producerReady) await producer.disconnect().catch((err: unknown) => logger.warn({ err }, 'producer disconnect failed'));
      await admin.close();
    },
  };
}
