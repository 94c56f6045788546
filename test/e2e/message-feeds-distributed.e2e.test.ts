import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import openwhisk from 'openwhisk';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { eventually } from '../harness/eventually';
import { TEST_MESSAGE_KEY_ENV } from '../harness/message-key';
import { startProcess, type PlatformProcess } from '../harness/platform-process';
import { startDistributedPlatform, type DistributedPlatform } from '../harness/platforms';
import { feedsOf } from './alarms-feed.suite';

// kafkaFeed (ADR 0026) on the distributed profile: controller and invoker over Kafka, NATS, Redis
// and Docker, two triggers replicas sharing the registration by Redis lease. Every message reaches
// the rule's action; when the replica running the feed is killed, the other one takes the feed
// (and its consumer group's offsets) over and nothing produced is lost.

jest.setTimeout(120_000);

const KAFKA = '127.0.0.1:9092';
const unique = `${process.pid}-${Date.now().toString(36)}`;
const prefix = `e2e-mfd-${process.pid}-${Date.now().toString(36).slice(-5)}`;
const RECORD = `function main(params) { return { got: params.messages || [] }; }`;

describe('kafkaFeed on the distributed platform with two triggers replicas', () => {
  let platform: DistributedPlatform | undefined;
  const replicas: PlatformProcess[] = [];
  let kafka: Kafka;
  let producer: Producer | undefined;
  const topic = `${prefix}.orders`;

  beforeAll(async () => {
    kafka = new Kafka({ clientId: prefix, brokers: [KAFKA], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    platform = await startDistributedPlatform({ prefix });
    for (const id of ['triggers0', 'triggers1']) {
      replicas.push(
        startProcess(id, 'triggers/main.ts', {
          ...TEST_MESSAGE_KEY_ENV,
          WISP_PREFIX: prefix,
          WISP_LOG_LEVEL: 'warn',
          WISP_TRIGGERS_ID: id,
          WISP_TRIGGERS_API_URL: platform.apihost,
          WISP_TRIGGERS_SCAN_MS: '250',
          WISP_TRIGGERS_LEASE_MS: '2000',
          WISP_TRIGGERS_RETRY_FIRST_MS: '200',
          WISP_TRIGGERS_RETRY_MAX_MS: '2000',
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await platform?.stop();
    await producer?.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('every message reaches the action; a killed replica hands the feed to the other, losing nothing', async () => {
    const ow = openwhisk({ apihost: platform!.apihost, api_key: GUEST_AUTH });
    const name = `kf-dist-${unique}`;
    await ow.actions.create({ name: `${name}-record`, action: RECORD });
    await ow.triggers.create({ name, trigger: { annotations: [{ key: 'feed', value: '/whisk.system/messaging/kafkaFeed' }] } as never });
    await ow.rules.create({ name: `${name}-rule`, trigger: name, action: `${name}-record` });
    await feedsOf(ow).create({ name: '/whisk.system/messaging/kafkaFeed', trigger: name, params: { brokers: KAFKA, topic, isJSONData: true, batchSize: 10, batchWindowMs: 100 } });

    const ids = Array.from({ length: 40 }, (_, i) => i);
    const send = (from: number, to: number) => producer!.send({ topic, messages: ids.slice(from, to).map((i) => ({ key: `k${i % 4}`, value: JSON.stringify({ i }) })) });
    const seenCounts = (want: readonly number[]) =>
      eventually(async () => {
        const list = (await ow.activations.list({ name: `${name}-record`, limit: 200, docs: true } as never)) as unknown as { response?: { result?: { got?: { value?: { i?: number } }[] } } }[];
        const seen = new Map<number, number>();
        for (const m of list.flatMap((a) => a.response?.result?.got ?? [])) if (typeof m.value?.i === 'number') seen.set(m.value.i, (seen.get(m.value.i) ?? 0) + 1);
        const missing = want.filter((i) => !seen.has(i));
        if (missing.length > 0) throw new Error(`not recorded yet: ${missing.join(',')}`);
        return seen;
      }, 90_000, 250);

    await send(0, 20);
    const steady = await seenCounts(ids.slice(0, 20));
    // Steady state, one lease holder: each message once.
    expect([...steady.values()].every((count) => count === 1)).toBe(true);

    // READ names the replica running the source: that one is killed.
    const read = async () => ((await feedsOf(ow).get({ name: '/whisk.system/messaging/kafkaFeed', trigger: name })) as { response: { result: { status: { source: { replica?: string } } } } }).response.result.status.source;
    const holder = await eventually(async () => (await read()).replica, 30_000, 250);
    const victim = replicas.findIndex((r) => r.name === holder);
    expect(victim).toBeGreaterThanOrEqual(0);
    await replicas[victim]!.kill();
    await send(20, 40);
    const all = await seenCounts(ids);
    const duplicates = [...all.values()].reduce((sum, count) => sum + count - 1, 0);
    process.stdout.write(`kafkaFeed distributed: ${ids.length} produced, ${ids.length} delivered, ${duplicates} duplicate deliveries after a replica was killed\n`);
    expect(replicas[1 - victim]!.child.exitCode).toBeNull();
    expect(await eventually(async () => ((await read()).replica === replicas[1 - victim]!.name ? true : undefined), 30_000, 250)).toBe(true);
    await feedsOf(ow).delete({ name: '/whisk.system/messaging/kafkaFeed', trigger: name });
  });
});
