// The MessageBus contract, in the style of OpenWhisk's ArtifactStoreBehavior: one suite that every
// adapter runs (memory in unit tests, Kafka in integration tests against the real broker). Every
// test gets names from its own prefix, so runs never see each other's traffic.

import { randomBytes } from 'node:crypto';
import { createNaming, type Naming } from '../../common/naming';
import type {
  MessageBus,
  MessageBusCapabilities,
  ReceivedMessage,
  SubscribeOptions,
  Subscription,
} from '../../common/spi/message-bus';
import { eventually } from '../harness/eventually';

export interface MessageBusUnderTest {
  readonly bus: MessageBus;
  /** Prefix for every topic and group the test creates. */
  readonly prefix: string;
  /** Durable adapters: a new bus over the same storage, opened after `bus` was closed (a restart). */
  readonly reopen?: () => Promise<MessageBus>;
}

export interface MessageBusContractCapabilities extends MessageBusCapabilities {
  /** send/subscribe on a topic nobody created rejects (Kafka with auto-creation off). */
  readonly rejectsUnknownTopic: boolean;
  /** How long to wait for a delivery, a group rebalance, or its absence. */
  readonly deliveryTimeoutMs: number;
  /** How long "nothing arrives" must hold before a test believes it. */
  readonly quietMs: number;
}

interface Collector {
  readonly messages: ReceivedMessage[];
  readonly onMessage: SubscribeOptions['onMessage'];
}

function collector(onEach?: (message: ReceivedMessage) => void): Collector {
  const messages: ReceivedMessage[] = [];
  return {
    messages,
    onMessage: (message) => {
      messages.push(message);
      onEach?.(message);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (message: ReceivedMessage) => message.value.toString('utf8');
const payload = (value: string) => Buffer.from(value, 'utf8');

export function describeMessageBusContract(
  name: string,
  makeBus: () => Promise<MessageBusUnderTest>,
  capabilities: MessageBusContractCapabilities,
): void {
  describe(`MessageBus contract: ${name}`, () => {
    const { deliveryTimeoutMs, quietMs } = capabilities;
    let bus: MessageBus;
    let reopen: MessageBusUnderTest['reopen'];
    let naming: Naming;
    let subscriptions: Subscription[];
    let counter = 0;

    const uniqueTopic = () => naming.invokerTopic(`contract${++counter}-${randomBytes(3).toString('hex')}`);
    const uniqueGroup = () => naming.invokerGroup(`contract${++counter}`);
    const until = <T>(probe: () => T | undefined) => eventually(async () => probe(), deliveryTimeoutMs, 20);
    const received = (c: Collector, count: number) => until(() => (c.messages.length >= count ? true : undefined));

    async function subscribe(options: SubscribeOptions): Promise<Subscription> {
      const subscription = await bus.subscribe(options);
      subscriptions.push(subscription);
      return subscription;
    }

    beforeEach(async () => {
      const made = await makeBus();
      bus = made.bus;
      reopen = made.reopen;
      naming = createNaming(made.prefix);
      subscriptions = [];
    });

    afterEach(async () => {
      await Promise.all(subscriptions.map((s) => s.close()));
      await bus.close();
    });

    it('ensureTopic is idempotent and the topic works afterwards', async () => {
      const topic = uniqueTopic();
      const options = { partitions: 2, config: { 'max.message.bytes': '2097152', 'retention.ms': '172800000' } };
      await bus.ensureTopic(topic, options);
      await bus.ensureTopic(topic, options);
      await bus.ensureTopic(topic);
      const c = collector();
      await subscribe({ topic, groupId: uniqueGroup(), onMessage: c.onMessage });
      await bus.send(topic, [{ value: payload('after-ensure') }]);
      await received(c, 1);
      expect(text(c.messages[0]!)).toBe('after-ensure');
    });

    if (capabilities.rejectsUnknownTopic) {
      it('rejects a send to a topic that was never created', async () => {
        await expect(bus.send(uniqueTopic(), [{ value: payload('lost') }])).rejects.toThrow();
      });
    } else {
      it('accepts a send to a topic that was never created', async () => {
        await expect(bus.send(uniqueTopic(), [{ value: payload('kept') }])).resolves.toBeUndefined();
      });
    }

    it('delivers binary values, keys and headers unchanged, with topic, partition and offset', async () => {
      const topic = uniqueTopic();
      await bus.ensureTopic(topic, { partitions: 1 });
      const binary = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(4096)]);
      const c = collector();
      await subscribe({ topic, groupId: uniqueGroup(), onMessage: c.onMessage });
      await bus.send(topic, [
        { key: 'key-ü', value: binary, headers: { 'x-plain': 'v', 'x-unicode': 'é✓', 'x-empty': '' } },
        { value: Buffer.alloc(0) },
      ]);
      await received(c, 2);
      const [first, second] = c.messages;
      expect(first!.topic).toBe(topic);
      expect(first!.partition).toBe(0);
      expect(first!.offset).toMatch(/^\d+$/);
      expect(first!.key).toBe('key-ü');
      expect(first!.value.equals(binary)).toBe(true);
      expect(first!.headers).toEqual({ 'x-plain': 'v', 'x-unicode': 'é✓', 'x-empty': '' });
      expect(second!.key).toBeUndefined();
      expect(second!.value.length).toBe(0);
      expect(second!.headers).toEqual({});
      expect(BigInt(second!.offset)).toBe(BigInt(first!.offset) + 1n);
    });

    it('keeps per-key order within a partition and each key on one partition', async () => {
      const topic = uniqueTopic();
      await bus.ensureTopic(topic, { partitions: 3 });
      const c = collector();
      await subscribe({ topic, groupId: uniqueGroup(), onMessage: c.onMessage });
      const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
      const perKey = 20;
      // Several sends of mixed keys, some batched, to exercise both paths.
      for (let seq = 0; seq < perKey; seq += 5) {
        await bus.send(
          topic,
          keys.flatMap((key) => [0, 1, 2, 3, 4].map((i) => ({ key, value: payload(`${key}:${seq + i}`) }))),
        );
      }
      await received(c, keys.length * perKey);
      await sleep(quietMs);
      expect(c.messages).toHaveLength(keys.length * perKey);
      for (const key of keys) {
        const ofKey = c.messages.filter((m) => m.key === key);
        expect(ofKey.map((m) => Number(text(m).split(':')[1]))).toEqual(Array.from({ length: perKey }, (_, i) => i));
        expect(new Set(ofKey.map((m) => m.partition)).size).toBe(1);
      }
      const byPartition = new Map<number, bigint[]>();
      for (const m of c.messages) byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), BigInt(m.offset)]);
      for (const offsets of byPartition.values()) {
        expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }
    });

    it('gives every consumer group every message, including those sent before it subscribed', async () => {
      const topic = uniqueTopic();
      await bus.ensureTopic(topic, { partitions: 2 });
      await bus.send(topic, [0, 1, 2, 3, 4].map((i) => ({ key: `k${i}`, value: payload(`early${i}`) })));
      const first = collector();
      const second = collector();
      await subscribe({ topic, groupId: uniqueGroup(), onMessage: first.onMessage });
      await subscribe({ topic, groupId: uniqueGroup(), onMessage: second.onMessage });
      await bus.send(topic, [0, 1, 2, 3, 4].map((i) => ({ key: `k${i}`, value: payload(`late${i}`) })));
      await received(first, 10);
      await received(second, 10);
      const expected = [0, 1, 2, 3, 4].flatMap((i) => [`early${i}`, `late${i}`]).sort();
      expect(first.messages.map(text).sort()).toEqual(expected);
      expect(second.messages.map(text).sort()).toEqual(expected);
    });

    it('shares partitions among the members of one group, losing nothing', async () => {
      const topic = uniqueTopic();
      await bus.ensureTopic(topic, { partitions: 4 });
      const groupId = uniqueGroup();
      const a = collector();
      const b = collector();
      const subA = await subscribe({ topic, groupId, onMessage: (m) => (a.onMessage(m), subA.done(m)) });
      const subB = await subscribe({ topic, groupId, onMessage: (m) => (b.onMessage(m), subB.done(m)) });
      const sent: string[] = [];
      // Keep sending until the group has settled and both members own partitions.
      const deadline = Date.now() + deliveryTimeoutMs;
      let round = 0;
      while (!(a.messages.length > 0 && b.messages.length > 0) && Date.now() < deadline) {
        const batch = Array.from({ length: 16 }, (_, i) => `r${round}-m${i}`);
        sent.push(...batch);
        await bus.send(topic, batch.map((value, i) => ({ key: `key${i}`, value: payload(value) })));
        round++;
        await sleep(50);
      }
      expect(a.messages.length).toBeGreaterThan(0);
      expect(b.messages.length).toBeGreaterThan(0);
      await until(() => {
        const seen = new Set([...a.messages, ...b.messages].map(text));
        return sent.every((value) => seen.has(value)) ? true : undefined;
      });
    });

    it('redelivers only the unfinished and later messages after close and re-subscribe', async () => {
      const topic = uniqueTopic();
      await bus.ensureTopic(topic, { partitions: 1 });
      const groupId = uniqueGroup();
      await bus.send(topic, Array.from({ length: 10 }, (_, i) => ({ key: 'one', value: payload(`m${i}`) })));

      const firstRun = collector();
      const first = await bus.subscribe({ topic, groupId, onMessage: firstRun.onMessage });
      await received(firstRun, 10);
      expect(firstRun.messages.map(text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
      // Finish out of order, leaving m3, m6, m8 and m9 running: only m0..m2 may be committed.
      for (const i of [2, 0, 5, 1, 4, 7]) first.done(firstRun.messages[i]!);
      await first.close();

      const secondRun = collector();
      const second = await bus.subscribe({ topic, groupId, onMessage: secondRun.onMessage });
      await received(secondRun, 7);
      await sleep(quietMs);
      expect(secondRun.messages.map(text)).toEqual(['m3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9']);
      expect(secondRun.messages.map((m) => m.offset)).toEqual(firstRun.messages.slice(3).map((m) => m.offset));
      for (const m of secondRun.messages) second.done(m);
      await second.close();

      const thirdRun = collector();
      await subscribe({ topic, groupId, onMessage: thirdRun.onMessage });
      await bus.send(topic, [{ key: 'one', value: payload('fresh') }]);
      await received(thirdRun, 1);
      await sleep(quietMs);
      expect(thirdRun.messages.map(text)).toEqual(['fresh']);
    });

    it('ignores done() for messages of a closed subscription and repeated done() calls', async () => {
      const topic = uniqueTopic();
      await bus.ensureTopic(topic, { partitions: 1 });
      const groupId = uniqueGroup();
      await bus.send(topic, [{ value: payload('a') }, { value: payload('b') }]);
      const firstRun = collector();
      const first = await bus.subscribe({ topic, groupId, onMessage: firstRun.onMessage });
      await received(firstRun, 2);
      first.done(firstRun.messages[0]!);
      first.done(firstRun.messages[0]!);
      await first.close();
      expect(() => first.done(firstRun.messages[1]!)).not.toThrow();

      const secondRun = collector();
      await subscribe({ topic, groupId, onMessage: secondRun.onMessage });
      await received(secondRun, 1);
      await sleep(quietMs);
      expect(secondRun.messages.map(text)).toEqual(['b']);
    });

    it('stops delivery on pause and restarts it on resume', async () => {
      const topic = uniqueTopic();
      await bus.ensureTopic(topic, { partitions: 2 });
      const c = collector();
      const subscription = await subscribe({ topic, groupId: uniqueGroup(), onMessage: c.onMessage });
      await bus.send(topic, [{ key: 'k', value: payload('before') }]);
      await received(c, 1);
      await until(() => (subscription.health().state === 'running' ? true : undefined));

      subscription.pause();
      expect(subscription.health().state).toBe('paused');
      await bus.send(topic, [0, 1, 2, 3, 4].map((i) => ({ key: `k${i}`, value: payload(`while-paused${i}`) })));
      await sleep(quietMs);
      expect(c.messages).toHaveLength(1);

      subscription.resume();
      await received(c, 6);
      expect(subscription.health().state).toBe('running');
      expect(c.messages.slice(1).map(text).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `while-paused${i}`));
    });

    it('reports no lag once everything sent has been fetched', async () => {
      const topic = uniqueTopic();
      await bus.ensureTopic(topic, { partitions: 2 });
      const c = collector();
      const subscription = await subscribe({ topic, groupId: uniqueGroup(), onMessage: c.onMessage });
      await bus.send(topic, [0, 1, 2, 3, 4].map((i) => ({ key: `k${i}`, value: payload(`m${i}`) })));
      await received(c, 5);
      await until(() => (subscription.health().lag === 0 ? true : undefined));
    });

    it('delivers nothing more after a pause from inside the handler, and the rest once each on resume', async () => {
      const topic = uniqueTopic();
      await bus.ensureTopic(topic, { partitions: 1 });
      let subscription: Subscription | undefined;
      // The handler pauses on every message, as an invoker does when its queue is full.
      const c = collector(() => subscription!.pause());
      subscription = await subscribe({ topic, groupId: uniqueGroup(), onMessage: c.onMessage });
      await bus.send(topic, Array.from({ length: 10 }, (_, i) => ({ value: payload(`m${i}`) })));
      await received(c, 1);
      await sleep(quietMs);
      expect(c.messages.map(text)).toEqual(['m0']);
      for (let count = 2; count <= 10; count++) {
        subscription.resume();
        await received(c, count);
      }
      await sleep(quietMs);
      expect(c.messages.map(text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    });

    it('keeps delivering after a handler throws', async () => {
      const topic = uniqueTopic();
      await bus.ensureTopic(topic, { partitions: 1 });
      const seen: string[] = [];
      await subscribe({
        topic,
        groupId: uniqueGroup(),
        onMessage: (m) => {
          seen.push(text(m));
          if (text(m) === 'boom') throw new Error('handler failure under test');
        },
      });
      await bus.send(topic, [{ value: payload('boom') }, { value: payload('after') }]);
      await until(() => (seen.length >= 2 ? true : undefined));
      expect(seen).toEqual(['boom', 'after']);
    });

    it('rejects a message over the topic max.message.bytes and accepts one under it', async () => {
      const topic = uniqueTopic();
      await bus.ensureTopic(topic, { partitions: 1, config: { 'max.message.bytes': '2097152' } });
      await expect(bus.send(topic, [{ value: Buffer.alloc(3 * 1024 * 1024, 1) }])).rejects.toThrow();
      const c = collector();
      await subscribe({ topic, groupId: uniqueGroup(), onMessage: c.onMessage });
      const large = randomBytes(1536 * 1024);
      await bus.send(topic, [{ value: large }]);
      await received(c, 1);
      expect(c.messages[0]!.value.equals(large)).toBe(true);
      expect(c.messages).toHaveLength(1);
    });

    it('reports health: running with a fresh fetch time, stopped after close', async () => {
      const topic = uniqueTopic();
      await bus.ensureTopic(topic, { partitions: 1 });
      const subscription = await bus.subscribe({ topic, groupId: uniqueGroup(), onMessage: () => undefined });
      await until(() => (subscription.health().state === 'running' ? true : undefined));
      await until(() => (Date.now() - subscription.health().lastFetchAt < 2000 ? true : undefined));
      await subscription.close();
      expect(subscription.health().state).toBe('stopped');
      await subscription.close();
    });

    if (capabilities.durable) {
      it('keeps topics, messages and committed offsets across a restart', async () => {
        if (!reopen) throw new Error(`${name} declares itself durable but its factory gives no reopen()`);
        const topic = uniqueTopic();
        const groupId = uniqueGroup();
        await bus.ensureTopic(topic, { partitions: 3, config: { 'max.message.bytes': '65536' } });
        await bus.send(topic, Array.from({ length: 24 }, (_, i) => ({ key: `key${i % 6}`, value: payload(`m${i}`), headers: { n: String(i) } })));

        const firstRun = collector();
        const first = await bus.subscribe({ topic, groupId, onMessage: firstRun.onMessage });
        await received(firstRun, 24);
        // Per partition: finish the first half in order and one message of the second half, so
        // that exactly the first half is committed and the rest must come back.
        const expected: string[] = [];
        const byPartition = new Map<number, ReceivedMessage[]>();
        for (const m of firstRun.messages) byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), m]);
        for (const messages of byPartition.values()) {
          const half = Math.ceil(messages.length / 2);
          for (const m of messages.slice(0, half)) first.done(m);
          if (messages.length - half >= 2) first.done(messages[messages.length - 1]!);
          expected.push(...messages.slice(half).map(text));
        }
        expect(expected.length).toBeGreaterThan(0);
        await first.close();
        await bus.close();

        bus = await reopen();
        // No ensureTopic: the topic must have survived as it was.
        const secondRun = collector();
        await subscribe({ topic, groupId, onMessage: secondRun.onMessage });
        await received(secondRun, expected.length);
        await sleep(quietMs);
        expect(secondRun.messages.map(text).sort()).toEqual([...expected].sort());
        const before = new Map(firstRun.messages.map((m) => [text(m), m]));
        for (const m of secondRun.messages) {
          const original = before.get(text(m))!;
          expect({ partition: m.partition, offset: m.offset, key: m.key, headers: m.headers }).toEqual({
            partition: original.partition,
            offset: original.offset,
            key: original.key,
            headers: original.headers,
          });
        }
        // Partition count and config are kept too: a key lands where it did, the size limit holds.
        await expect(bus.send(topic, [{ value: Buffer.alloc(100 * 1024) }])).rejects.toThrow();
        await bus.send(topic, [{ key: 'key0', value: payload('after-restart') }]);
        await received(secondRun, expected.length + 1);
        const fresh = secondRun.messages.find((m) => text(m) === 'after-restart')!;
        expect(fresh.partition).toBe(firstRun.messages.find((m) => m.key === 'key0')!.partition);
      });
    }

    it('delivers nothing to a closed subscription, and closes the bus cleanly', async () => {
      const topic = uniqueTopic();
      await bus.ensureTopic(topic, { partitions: 1 });
      const closedOne = collector();
      const open = collector();
      const toClose = await bus.subscribe({ topic, groupId: uniqueGroup(), onMessage: closedOne.onMessage });
      await subscribe({ topic, groupId: uniqueGroup(), onMessage: open.onMessage });
      await toClose.close();
      await bus.send(topic, [{ value: payload('after-close') }]);
      await received(open, 1);
      await sleep(quietMs);
      expect(closedOne.messages).toEqual([]);
    });
  });
}
