import { randomBytes } from 'node:crypto';
import { EnvReader } from '../../config/env-reader';
import { readSharedConfig } from '../../config/shared-config';
import { silentLogger } from '../../logging/logger';
import { createNaming } from '../../naming';
import type { ReceivedMessage } from '../../spi/message-bus';
import { describeMessageBusContract } from '../../../test/contracts/message-bus.contract';
import { eventually } from '../../../test/harness/eventually';
import { createKafkaClient, createKafkaMessageBus, kafkaMessageBusCapabilities } from './kafka-message-bus';
import { KafkaTopicAdmin } from './kafka-topic-admin';

const { kafkaBrokers } = readSharedConfig(new EnvReader(process.env));
const runPrefix = `wisp-test-${randomBytes(4).toString('hex')}`;
let made = 0;

jest.setTimeout(60_000);

afterAll(async () => {
  // Every topic of this run starts with runPrefix; remove them so the broker does not collect them.
  const admin = new KafkaTopicAdmin(createKafkaClient({ brokers: kafkaBrokers, clientId: runPrefix, logger: silentLogger }));
  try {
    await admin.deleteTopics((await admin.listTopics()).filter((topic) => topic.startsWith(runPrefix)));
  } finally {
    await admin.close();
  }
});

describeMessageBusContract(
  'kafka',
  async () => {
    const prefix = `${runPrefix}-${++made}`;
    const open = () => createKafkaMessageBus({ brokers: kafkaBrokers, clientId: prefix, logger: silentLogger });
    // The broker is the storage: a restart is a new client.
    return { bus: open(), prefix, reopen: async () => open() };
  },
  { ...kafkaMessageBusCapabilities, rejectsUnknownTopic: true, deliveryTimeoutMs: 30_000, quietMs: 700 },
);

describe('kafka message bus', () => {
  const naming = createNaming(`${runPrefix}-own`);

  it('creates topics with the requested partitions and config', async () => {
    const bus = createKafkaMessageBus({ brokers: kafkaBrokers, clientId: naming.prefix, logger: silentLogger });
    const kafkaAdmin = createKafkaClient({ brokers: kafkaBrokers, clientId: naming.prefix, logger: silentLogger }).admin();
    await kafkaAdmin.connect();
    try {
      const topic = naming.invokerTopic('invoker0');
      await bus.ensureTopic(topic, { partitions: 3, config: { 'max.message.bytes': '2097152', 'retention.ms': '172800000' } });
      const metadata = await kafkaAdmin.fetchTopicMetadata({ topics: [topic] });
      expect(metadata.topics[0]!.partitions).toHaveLength(3);
      const configs = await kafkaAdmin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2 /* TOPIC */, name: topic, configNames: ['max.message.bytes', 'retention.ms'] }],
      });
      const entries = Object.fromEntries(configs.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
      expect(entries).toEqual({ 'max.message.bytes': '2097152', 'retention.ms': '172800000' });
    } finally {
      await kafkaAdmin.disconnect();
      await bus.close();
    }
  });

  it('lets many processes ensure one new topic at once, each resolving with it usable', async () => {
    const buses = Array.from({ length: 6 }, (_, i) => createKafkaMessageBus({ brokers: kafkaBrokers, clientId: `${naming.prefix}-racer${i}`, logger: silentLogger }));
    try {
      for (let round = 0; round < 3; round++) {
        const topic = `${naming.deadLetterTopic()}-race${round}`;
        await Promise.all(buses.map((bus) => bus.ensureTopic(topic, { partitions: 1 })));
        await Promise.all(buses.map((bus, i) => bus.send(topic, [{ value: Buffer.from(`from ${i}`) }])));
      }
    } finally {
      await Promise.all(buses.map((bus) => bus.close()));
    }
  });

  it('commits in the background up to the watermark, without waiting for close', async () => {
    const topic = naming.invokerTopic('invoker1');
    const groupId = naming.invokerGroup('invoker1');
    const first = createKafkaMessageBus({ brokers: kafkaBrokers, clientId: naming.prefix, logger: silentLogger });
    await first.ensureTopic(topic);
    await first.send(topic, Array.from({ length: 6 }, (_, i) => ({ value: Buffer.from(`m${i}`) })));
    const seen: ReceivedMessage[] = [];
    const subscription = await first.subscribe({ topic, groupId, onMessage: (m) => void seen.push(m) });
    await eventually(async () => (seen.length === 6 ? true : undefined), 30_000);
    for (const m of seen.slice(0, 4)) subscription.done(m);
    // The commit happens in the background, without close(); wait until the broker has it.
    const kafkaAdmin = createKafkaClient({ brokers: kafkaBrokers, clientId: naming.prefix, logger: silentLogger }).admin();
    await kafkaAdmin.connect();
    try {
      await eventually(async () => {
        const [committed] = await kafkaAdmin.fetchOffsets({ groupId, topics: [topic] });
        return committed?.partitions[0]?.offset === seen[4]!.offset ? true : undefined;
      }, 10_000, 100);
    } finally {
      await kafkaAdmin.disconnect();
      await first.close();
    }
  });
});
