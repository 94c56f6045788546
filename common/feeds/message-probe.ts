import { Kafka, logLevel } from 'kafkajs';
import { connect } from 'nats';
import { Messages } from '../errors/messages';
import { PlatformError } from '../errors/platform-error';
import type { KafkaFeedSpec, MessageSpec, NatsFeedSpec } from './message-spec';

// A messaging feed's CREATE or UPDATE checks that the broker answers and has the topic (or the
// JetStream stream) before anything is stored, so the client sees the failure and deletes the
// trigger, as OpenWhisk's kafkaFeedWeb does. Bounded: a few seconds, never kafkajs's minute of retries.

export type MessageProbe = (spec: MessageSpec) => Promise<MessageSpec>;

export const PROBE_TIMEOUT_MS = 5000;

export const probeMessageSource: MessageProbe = (spec) => (spec.feed === 'kafkaFeed' ? probeKafka(spec) : probeNats(spec));

async function probeKafka(spec: KafkaFeedSpec): Promise<KafkaFeedSpec> {
  const kafka = new Kafka({ clientId: 'wisp-feed-probe', brokers: [...spec.brokers], connectionTimeout: 2000, requestTimeout: 3000, retry: { retries: 1, initialRetryTime: 200 }, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const brokers = spec.brokers.join(',');
  try {
    const topics = await bounded(admin.connect().then(() => admin.listTopics()), `Kafka brokers ${brokers}`);
    if (!topics.includes(spec.topic)) throw new PlatformError('feed-source-not-found', Messages.feedTopicUnknown(spec.topic, brokers));
    const offsets = await bounded(admin.fetchTopicOffsets(spec.topic), `Kafka brokers ${brokers}`);
    return { ...spec, startOffsets: Object.fromEntries(offsets.map(({ partition, high }) => [String(partition), high])) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function probeNats(spec: NatsFeedSpec): Promise<NatsFeedSpec> {
  const what = `NATS servers ${spec.servers.join(',')}`;
  const nc = await bounded(connect({ servers: [...spec.servers], timeout: 3000, reconnect: false, name: 'wisp-feed-probe' }), what);
  try {
    if (spec.stream) {
      const jsm = await bounded(nc.jetstreamManager(), what);
      const owner = await bounded(jsm.streams.find(spec.subject).catch(() => undefined), what);
      if (owner !== spec.stream) throw new PlatformError('feed-source-not-found', Messages.feedStreamUnknown(spec.stream, spec.subject));
      const info = await bounded(jsm.streams.info(spec.stream), what);
      return { ...spec, startSequence: info.state.last_seq + 1 };
    }
    return spec;
  } finally {
    await nc.close().catch(() => undefined);
  }
}

async function bounded<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (err) {
    if (err instanceof PlatformError) throw err;
    throw new PlatformError('feed-source-unreachable', Messages.feedBrokerUnreachable(what, (err as Error).message));
  } finally {
    clearTimeout(timer);
  }
}
