import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { connect, JSONCodec, RetentionPolicy, StorageType, type NatsConnection } from 'nats';
import openwhisk from 'openwhisk';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { startCuttableProxy } from '../harness/cuttable-proxy';
import { eventually } from '../harness/eventually';
import { TEST_MESSAGE_KEY_ENV } from '../harness/message-key';
import { startStandalonePlatform, type StandalonePlatform } from '../harness/platforms';
import { feedsOf, triggerActivations } from './alarms-feed.suite';

// /whisk.system/messaging/kafkaFeed and natsFeed (ADR 0026) on the standalone platform, driven by
// the `openwhisk` client's feeds API against the project's own Kafka and NATS on loopback: every
// produced message reaches a rule's action, batched, in order per partition, none lost across a
// SIGKILL of the platform (duplicates counted and reported); a bad broker or topic fails CREATE.

jest.setTimeout(120_000);

const KAFKA = '127.0.0.1:9092';
const NATS = '127.0.0.1:4222';
const unique = `${process.pid}-${Date.now().toString(36)}`;
const prefix = `e2e-msgfeeds-${unique}`;
const RECORD = `function main(params) { return { got: params.messages || [] }; }`;

interface Got {
  topic?: string;
  partition?: number;
  offset?: number;
  key?: string | null;
  value?: unknown;
  subject?: string;
  sequence?: number;
  data?: unknown;
}

interface OwError {
  statusCode?: number;
  message?: string;
  error?: { response?: { result?: { error?: { error?: string; statusCode?: number; code?: string } } } };
}

describe('messaging feeds on the standalone platform', () => {
  let platform: StandalonePlatform | undefined;
  let kafka: Kafka;
  let producer: Producer | undefined;
  let nc: NatsConnection | undefined;
  const topic = `${prefix}.orders`;
  const stream = `${prefix.replace(/\./g, '_')}-EVENTS`;
  const subjectRoot = `${prefix}.events`;
  const client = () => openwhisk({ apihost: platform!.apihost, api_key: GUEST_AUTH });
  const refusal = (work: Promise<unknown>) => work.then(() => ({ statusCode: 0 }) as OwError, (err: OwError) => err);

  beforeAll(async () => {
    kafka = new Kafka({ clientId: prefix, brokers: [KAFKA], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    nc = await connect({ servers: NATS });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${subjectRoot}.>`], storage: StorageType.Memory, retention: RetentionPolicy.Limits });
    platform = await startStandalonePlatform({ name: 'standalone-msgfeeds', prefix, containers: 'process', env: { ...TEST_MESSAGE_KEY_ENV, WISP_TRIGGERS_SCAN_MS: '250', WISP_TRIGGERS_LEASE_MS: '2000', WISP_TRIGGERS_RETRY_FIRST_MS: '200', WISP_TRIGGERS_RETRY_MAX_MS: '2000' } });
  });

  afterAll(async () => {
    await platform?.stop();
    await producer?.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    if (nc) {
      await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
      await nc.close();
    }
  });

  /** Action, trigger with the feed annotation, rule, and the feed; answers the trigger's name. */
  async function feedToRecorder(name: string, feed: 'kafkaFeed' | 'natsFeed', params: Record<string, unknown>): Promise<string> {
    const ow = client();
    await ow.actions.create({ name: `${name}-record`, action: RECORD });
    await ow.triggers.create({ name, trigger: { annotations: [{ key: 'feed', value: `/whisk.system/messaging/${feed}` }] } as never });
    await ow.rules.create({ name: `${name}-rule`, trigger: name, action: `${name}-record` });
    await feedsOf(ow).create({ name: `/whisk.system/messaging/${feed}`, trigger: name, params });
    return name;
  }

  /** Every message the recorder's activations got, one array per activation. */
  async function recorded(name: string): Promise<Got[][]> {
    const list = (await client().activations.list({ name: `${name}-record`, limit: 200, docs: true } as never)) as unknown as { response?: { result?: { got?: Got[] } } }[];
    return list.map((a) => a.response?.result?.got ?? []);
  }

  /** Waits until the recorder has seen every one of `ids` (the messages' `i`); answers how many times each arrived. */
  async function allRecorded(name: string, ids: readonly number[], valueOf: (m: Got) => unknown, timeoutMs = 60_000): Promise<{ batches: Got[][]; seen: Map<number, number> }> {
    return eventually(async () => {
      const batches = await recorded(name);
      const seen = new Map<number, number>();
      for (const m of batches.flat()) {
        const i = (valueOf(m) as { i?: number })?.i;
        if (typeof i === 'number') seen.set(i, (seen.get(i) ?? 0) + 1);
      }
      const missing = ids.filter((i) => !seen.has(i));
      // Thrown, not undefined: a timeout then names what never arrived.
      if (missing.length > 0) throw new Error(`not recorded yet: ${missing.join(',')} (of ${ids.length}; ${batches.length} activations)`);
      return { batches, seen };
    }, timeoutMs, 250);
  }

  async function read(name: string, feed: string): Promise<{ config: Record<string, unknown>; status: Record<string, unknown> }> {
    const answer = (await feedsOf(client()).get({ name: `/whisk.system/messaging/${feed}`, trigger: name })) as { response: { result: { config: Record<string, unknown>; status: Record<string, unknown> } } };
    return answer.response.result;
  }

  /** Fire ranges per partition, in the order the fires were accepted (trigger activations, oldest first). */
  async function fireRanges(trigger: string): Promise<Map<string, [number, number][]>> {
    const fires = (await triggerActivations({ apihost: platform!.apihost, auth: GUEST_AUTH }, trigger)).sort((a, b) => a.start - b.start);
    const ranges = new Map<string, [number, number][]>();
    for (const fire of fires) {
      const id = String(fire.annotations?.find((a) => a.key === 'fireId')?.value ?? '');
      const match = /-([^-]+):(\d+)-(\d+)$/.exec(id);
      if (!match) continue;
      const lane = match[1]!;
      ranges.set(lane, [...(ranges.get(lane) ?? []), [Number(match[2]), Number(match[3])]]);
    }
    return ranges;
  }

  it('publishes /whisk.system/messaging with kafkaFeed and natsFeed as feed actions', async () => {
    for (const feed of ['kafkaFeed', 'natsFeed']) {
      const action = await client().actions.get({ name: `/whisk.system/messaging/${feed}` });
      expect(action.annotations).toEqual(expect.arrayContaining([{ key: 'feed', value: true }]));
    }
  });

  it('kafkaFeed: every message reaches the action once, batched, in order per partition; non-JSON ones are skipped and counted', async () => {
    const trigger = await feedToRecorder(`kf-${unique}`, 'kafkaFeed', { brokers: [KAFKA], topic, isJSONData: true, batchSize: 7, batchWindowMs: 200 });
    const N = 40;
    const ids = Array.from({ length: N }, (_, i) => i);
    // Produced after CREATE answered: the feed starts at the ends recorded then, whenever its consumer joins.
    await producer!.send({ topic, messages: ids.map((i) => ({ key: `k${i % 5}`, value: JSON.stringify({ i }) })) });
    await producer!.send({ topic, messages: [{ key: 'k0', value: 'not json' }] });
    const { batches, seen } = await allRecorded(trigger, ids, (m) => m.value);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    expect(batches.every((b) => b.length >= 1 && b.length <= 7)).toBe(true);
    for (const batch of batches) {
      // One partition per fire, offsets contiguous and rising; OpenWhisk's message shape.
      expect(new Set(batch.map((m) => m.partition)).size).toBe(1);
      expect(batch.map((m) => m.offset)).toEqual(batch.map((_, k) => batch[0]!.offset! + k));
      for (const m of batch) expect(m).toMatchObject({ topic, partition: expect.any(Number), offset: expect.any(Number), key: expect.stringMatching(/^k\d$/), value: { i: expect.any(Number) } });
    }
    // Per partition, the fires were accepted in offset order, each range right after the previous one.
    const ranges = await fireRanges(trigger);
    for (const lane of ranges.values()) for (let k = 1; k < lane.length; k++) expect(lane[k]![0]).toBe(lane[k - 1]![1] + 1);
    const status = await eventually(async () => {
      const answer = await read(trigger, 'kafkaFeed');
      return (answer.status.skipped as { notJson: number }).notJson === 1 ? answer : undefined;
    }, 30_000, 250);
    expect(status).toMatchObject({ config: { feed: 'kafkaFeed', topic, brokers: [KAFKA], isJSONData: true, batchSize: 7, delivery: 'at-least-once' }, status: { active: true, source: { state: 'running' }, skipped: { notJson: 1, oversize: 0 } } });
    await feedsOf(client()).delete({ name: '/whisk.system/messaging/kafkaFeed', trigger });
  });

  it('kafkaFeed: an unreachable broker or an unknown topic fails CREATE with a 400 and its reason; the trigger is then deleted', async () => {
    const ow = client();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ brokers: '127.0.0.1:1', topic }, /^could not reach Kafka brokers 127\.0\.0\.1:1/],
      [{ brokers: KAFKA, topic: `${prefix}.no-such-topic` }, /^topic '.*\.no-such-topic' does not exist on 127\.0\.0\.1:9092$/],
    ];
    for (const [k, [params, reason]] of cases.entries()) {
      const trigger = `kf-bad-${k}-${unique}`;
      await ow.triggers.create({ name: trigger, trigger: { annotations: [{ key: 'feed', value: '/whisk.system/messaging/kafkaFeed' }] } as never });
      const started = Date.now();
      const failed = await refusal(feedsOf(ow).create({ name: '/whisk.system/messaging/kafkaFeed', trigger, params }));
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(failed.error?.response?.result?.error).toMatchObject({ statusCode: 400, error: expect.stringMatching(reason) });
      // As wsk does after a failed CREATE; nothing was registered.
      await ow.triggers.delete({ name: trigger });
      expect(await refusal(feedsOf(ow).get({ name: '/whisk.system/messaging/kafkaFeed', trigger }))).toMatchObject({ error: { response: { result: { error: { statusCode: 404 } } } } });
    }
  });

  it('natsFeed over a JetStream stream: every message once, in sequence order; an unknown stream fails CREATE', async () => {
    const subject = `${subjectRoot}.js`;
    const trigger = await feedToRecorder(`nf-${unique}`, 'natsFeed', { servers: NATS, subject, stream, isJSONData: true, batchSize: 5, batchWindowMs: 100 });
    const js = nc!.jetstream();
    const jc = JSONCodec();
    const ids = Array.from({ length: 20 }, (_, i) => i);
    for (const i of ids) await js.publish(subject, jc.encode({ i }));
    const { batches, seen } = await allRecorded(trigger, ids, (m) => m.data);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    for (const batch of batches) {
      expect(batch.map((m) => m.sequence)).toEqual(batch.map((_, k) => batch[0]!.sequence! + k));
      for (const m of batch) expect(m).toMatchObject({ subject, sequence: expect.any(Number), data: { i: expect.any(Number) } });
    }
    expect(await read(trigger, 'natsFeed')).toMatchObject({ config: { stream, subject, delivery: 'at-least-once' }, status: { active: true } });
    await feedsOf(client()).delete({ name: '/whisk.system/messaging/natsFeed', trigger });

    const bad = `nf-bad-${unique}`;
    await client().triggers.create({ name: bad });
    const failed = await refusal(feedsOf(client()).create({ name: '/whisk.system/messaging/natsFeed', trigger: bad, params: { servers: NATS, subject, stream: 'NO_SUCH_STREAM' } }));
    expect(failed.error?.response?.result?.error).toMatchObject({ statusCode: 400, error: expect.stringContaining("JetStream stream 'NO_SUCH_STREAM' does not exist") });
    await client().triggers.delete({ name: bad });
  });

  it('natsFeed on core NATS says at-most-once in READ and fires what it receives', async () => {
    const subject = `${subjectRoot}.core`;
    const trigger = await feedToRecorder(`nc-${unique}`, 'natsFeed', { servers: [NATS], subject, batchWindowMs: 50 });
    await eventually(async () => ((await read(trigger, 'natsFeed')).status.source as { state?: string }).state === 'running' || undefined, 30_000, 250);
    expect((await read(trigger, 'natsFeed')).config.delivery).toMatch(/^at-most-once/);
    // At most once: a publish before the subscription is live is lost, so publish until one arrives.
    await eventually(async () => {
      nc!.publish(subject, Buffer.from('hello'));
      return (await recorded(trigger)).flat().some((m) => m.data === 'hello') || undefined;
    }, 30_000, 500);
    await feedsOf(client()).delete({ name: '/whisk.system/messaging/natsFeed', trigger });
  });

  it('natsFeed whose server goes away after CREATE: READ says retrying with the reason; it resumes, losing nothing, when the server is back', async () => {
    const proxy = await startCuttableProxy({ host: '127.0.0.1', port: 4222 });
    try {
      const subject = `${subjectRoot}.cut`;
      const trigger = await feedToRecorder(`nf-cut-${unique}`, 'natsFeed', { servers: `127.0.0.1:${proxy.port}`, subject, stream, isJSONData: true, batchWindowMs: 50 });
      const js = nc!.jetstream();
      const jc = JSONCodec();
      const ids = Array.from({ length: 10 }, (_, i) => 2000 + i);
      for (const i of ids.slice(0, 5)) await js.publish(subject, jc.encode({ i }));
      await allRecorded(trigger, ids.slice(0, 5), (m) => m.data);
      proxy.cut();
      const retrying = await eventually(async () => {
        const source = (await read(trigger, 'natsFeed')).status.source as { state: string; reason?: string };
        return source.state === 'retrying' ? source : undefined;
      }, 30_000, 250);
      expect(retrying.reason).toMatch(/unreachable/);
      for (const i of ids.slice(5)) await js.publish(subject, jc.encode({ i }));
      proxy.restore();
      const { seen } = await allRecorded(trigger, ids, (m) => m.data);
      expect([...seen.values()].every((count) => count === 1)).toBe(true);
      await eventually(async () => ((await read(trigger, 'natsFeed')).status.source as { state: string }).state === 'running' || undefined, 30_000, 250);
      await feedsOf(client()).delete({ name: '/whisk.system/messaging/natsFeed', trigger });
    } finally {
      await proxy.close();
    }
  });

  it('kafkaFeed across a SIGKILL of the platform mid-stream: every produced message reaches an activation; duplicates are counted', async () => {
    // Small batches, so the stream takes many fires and the kill lands while some are in flight.
    const trigger = await feedToRecorder(`kf-kill-${unique}`, 'kafkaFeed', { brokers: KAFKA, topic, isJSONData: true, batchSize: 2, batchWindowMs: 50 });
    const base = 1000;
    const ids = Array.from({ length: 60 }, (_, i) => base + i);
    const send = (from: number, to: number) => producer!.send({ topic, messages: ids.slice(from, to).map((i) => ({ key: `k${i % 3}`, value: JSON.stringify({ i }) })) });
    await send(0, 40);
    const beforeKill = await eventually(async () => {
      const n = (await recorded(trigger)).flat().length;
      return n > 0 ? n : undefined;
    }, 60_000, 50);
    await platform!.process.kill();
    await send(40, 60);
    await platform!.restart('standalone-msgfeeds-after-kill');
    const { seen } = await allRecorded(trigger, ids, (m) => m.value, 90_000);
    const duplicates = [...seen.values()].reduce((sum, count) => sum + count - 1, 0);
    process.stdout.write(`kafkaFeed across SIGKILL: ${ids.length} produced (40 before the kill, ${beforeKill} of them seen by the action then), ${ids.length} delivered, ${duplicates} duplicate deliveries\n`);
    expect(ids.filter((i) => !seen.has(i))).toEqual([]);
    await feedsOf(client()).delete({ name: '/whisk.system/messaging/kafkaFeed', trigger });
  });
});
