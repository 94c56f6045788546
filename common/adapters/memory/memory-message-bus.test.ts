import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../logging/logger';
import { createNaming } from '../../naming';
import type { ReceivedMessage } from '../../spi/message-bus';
import { describeMessageBusContract } from '../../../test/contracts/message-bus.contract';
import { createMemoryMessageBus, memoryMessageBusCapabilities } from './memory-message-bus';

describeMessageBusContract(
  'memory',
  async () => ({ bus: createMemoryMessageBus({ logger: silentLogger }), prefix: `wisp-test-${randomBytes(4).toString('hex')}` }),
  { ...memoryMessageBusCapabilities, rejectsUnknownTopic: true, deliveryTimeoutMs: 2000, quietMs: 30 },
);

describe('memory message bus', () => {
  const naming = createNaming(`wisp-test-${randomBytes(4).toString('hex')}`);
  const topic = naming.invokerTopic('invoker0');
  const groupId = naming.invokerGroup('invoker0');
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('never calls the handler inside send', async () => {
    const bus = createMemoryMessageBus({ logger: silentLogger });
    await bus.ensureTopic(topic);
    const seen: string[] = [];
    await bus.subscribe({ topic, groupId, onMessage: (m) => void seen.push(m.value.toString()) });
    const sending = bus.send(topic, [{ value: Buffer.from('x') }]);
    expect(seen).toEqual([]);
    await sending;
    expect(seen).toEqual([]);
    await tick();
    await tick();
    expect(seen).toEqual(['x']);
    await bus.close();
  });

  it('hands a leaving member\'s unfinished messages to the member that remains', async () => {
    const bus = createMemoryMessageBus({ logger: silentLogger });
    await bus.ensureTopic(topic, { partitions: 1 });
    const first: ReceivedMessage[] = [];
    const second: ReceivedMessage[] = [];
    const leaving = await bus.subscribe({ topic, groupId, onMessage: (m) => void first.push(m) });
    const staying = await bus.subscribe({ topic, groupId, onMessage: (m) => void second.push(m) });
    await bus.send(topic, [{ value: Buffer.from('a') }, { value: Buffer.from('b') }]);
    await tick();
    await tick();
    // Partition 0 belongs to the first member to join; the second one idles.
    expect(first.map((m) => m.value.toString())).toEqual(['a', 'b']);
    expect(second).toEqual([]);
    leaving.done(first[0]!);
    await leaving.close();
    await tick();
    await tick();
    expect(second.map((m) => m.value.toString())).toEqual(['b']);
    // A done() from the member that left is stale and must not move the group's commit.
    leaving.done(first[1]!);
    await staying.close();
    const third: ReceivedMessage[] = [];
    await bus.subscribe({ topic, groupId, onMessage: (m) => void third.push(m) });
    await tick();
    await tick();
    expect(third.map((m) => m.value.toString())).toEqual(['b']);
    await bus.close();
  });

  it('counts what a paused member has not fetched as its lag', async () => {
    const bus = createMemoryMessageBus({ logger: silentLogger });
    await bus.ensureTopic(topic, { partitions: 2 });
    const subscription = await bus.subscribe({ topic, groupId: `${groupId}-lag`, onMessage: () => undefined });
    subscription.pause();
    await bus.send(topic, [0, 1, 2, 3, 4].map((i) => ({ key: `k${i}`, value: Buffer.from(String(i)) })));
    expect(subscription.health().lag).toBe(5);
    subscription.resume();
    for (let i = 0; i < 5 && subscription.health().lag !== 0; i++) await tick();
    expect(subscription.health().lag).toBe(0);
    await bus.close();
  });

  it('reports a stalled member: messages waiting behind a handler that never returns', async () => {
    const bus = createMemoryMessageBus({ logger: silentLogger });
    await bus.ensureTopic(topic, { partitions: 1 });
    const subscription = await bus.subscribe({ topic, groupId, onMessage: () => new Promise<void>(() => undefined) });
    await bus.send(topic, [{ value: Buffer.from('a') }, { value: Buffer.from('b') }]);
    await tick();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(Date.now() - subscription.health().lastFetchAt).toBeGreaterThanOrEqual(25);
    await bus.close();
    expect(subscription.health().state).toBe('stopped');
  });

  it('rejects use after close and a whole batch when one message is too large', async () => {
    const bus = createMemoryMessageBus({ logger: silentLogger });
    await bus.ensureTopic(topic, { partitions: 1, config: { 'max.message.bytes': '10' } });
    const seen: string[] = [];
    await bus.subscribe({ topic, groupId, onMessage: (m) => void seen.push(m.value.toString()) });
    await expect(bus.send(topic, [{ value: Buffer.from('ok') }, { value: Buffer.alloc(11) }])).rejects.toThrow(/max.message.bytes/);
    await bus.send(topic, [{ value: Buffer.from('ok') }]);
    await tick();
    await tick();
    expect(seen).toEqual(['ok']);
    await bus.close();
    await expect(bus.send(topic, [{ value: Buffer.from('late') }])).rejects.toThrow(/closed/);
  });
});
