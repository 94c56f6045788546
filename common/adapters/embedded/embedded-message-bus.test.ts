import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../logging/logger';
import { createNaming } from '../../naming';
import type { MessageBus, ReceivedMessage, Subscription } from '../../spi/message-bus';
import { describeMessageBusContract } from '../../../test/contracts/message-bus.contract';
import { eventually } from '../../../test/harness/eventually';
import { killMidStream } from '../../../test/harness/kill-mid-stream';
import { useTempDirs } from '../../../test/harness/temp-dirs';
import { DataDirInUseError } from './data-dir-lock';
import { BUS_JOURNAL_FILE, embeddedMessageBusCapabilities, openEmbeddedMessageBus, type EmbeddedMessageBusOptions } from './embedded-message-bus';
import { decodeJournal, encodeEntry, JournalCorruptError } from './journal-framing';

const tempDir = useTempDirs('wisp-bus');

describeMessageBusContract(
  'embedded',
  async () => {
    const dataDir = tempDir();
    const open = () => openEmbeddedMessageBus({ dataDir, logger: silentLogger, commitFlushMs: 10 });
    return { bus: open(), prefix: `wisp-test-${randomBytes(4).toString('hex')}`, reopen: async () => open() };
  },
  { ...embeddedMessageBusCapabilities, rejectsUnknownTopic: true, deliveryTimeoutMs: 5000, quietMs: 50 },
);

describe('embedded message bus', () => {
  const naming = createNaming(`wisp-test-${randomBytes(4).toString('hex')}`);
  const topic = naming.invokerTopic('invoker0');
  const groupId = naming.invokerGroup('invoker0');
  const text = (m: ReceivedMessage) => m.value.toString('utf8');
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  let open: MessageBus[] = [];

  function openBus(dataDir: string, options: Partial<EmbeddedMessageBusOptions> = {}): MessageBus {
    const bus = openEmbeddedMessageBus({ dataDir, logger: silentLogger, commitFlushMs: 5, ...options });
    open.push(bus);
    return bus;
  }

  async function collect(bus: MessageBus, group: string, finish: boolean): Promise<{ messages: ReceivedMessage[]; subscription: Subscription }> {
    const messages: ReceivedMessage[] = [];
    const subscription: Subscription = await bus.subscribe({
      topic,
      groupId: group,
      onMessage: (m) => {
        messages.push(m);
        if (finish) subscription.done(m);
      },
    });
    return { messages, subscription };
  }

  afterEach(async () => {
    await Promise.all(open.map((bus) => bus.close()));
    open = [];
  });

  it('has a send on disk, in the journal, by the time it resolves', async () => {
    const dataDir = tempDir();
    const bus = openBus(dataDir);
    await bus.ensureTopic(topic, { partitions: 2, config: { 'retention.ms': '172800000' } });
    const value = randomBytes(64);
    await bus.send(topic, [{ key: 'k', value, headers: { h: 'v' } }]);
    const entries = decodeJournal(readFileSync(join(dataDir, BUS_JOURNAL_FILE)), BUS_JOURNAL_FILE).entries.map((e) => e.value);
    expect(entries).toContainEqual({ op: 'topic', topic, partitions: 2, config: { 'retention.ms': '172800000' } });
    expect(entries).toContainEqual(
      expect.objectContaining({ op: 'send', topic, messages: [expect.objectContaining({ k: 'k', v: value.toString('base64'), h: { h: 'v' } })] }),
    );
  });

  it('keeps a second bus off its data dir while open, and lets it in after close', async () => {
    const dataDir = tempDir();
    const bus = openBus(dataDir);
    expect(() => openEmbeddedMessageBus({ dataDir, logger: silentLogger })).toThrow(DataDirInUseError);
    await bus.close();
    const again = openBus(dataDir);
    await again.ensureTopic(topic);
  });

  it('cuts away a torn last entry and keeps everything before it', async () => {
    const dataDir = tempDir();
    const bus = openBus(dataDir);
    await bus.ensureTopic(topic);
    await bus.send(topic, [{ value: Buffer.from('a') }, { value: Buffer.from('b') }]);
    await bus.close();
    appendFileSync(join(dataDir, BUS_JOURNAL_FILE), '0badf00d {"op":"send","topic":"x","at":1,"messa');
    const reopened = openBus(dataDir);
    const { messages } = await collect(reopened, groupId, false);
    await eventually(async () => (messages.length >= 2 ? true : undefined), 10_000, 10);
    expect(messages.map(text)).toEqual(['a', 'b']);
    await reopened.send(topic, [{ value: Buffer.from('c') }]);
    await eventually(async () => (messages.length >= 3 ? true : undefined), 10_000, 10);
  });

  it('refuses a journal whose entries do not fit together instead of replaying it wrongly, and releases its lock', async () => {
    const dataDir = tempDir();
    const entries = [
      { op: 'topic', topic, partitions: 1, config: {} },
      { op: 'send', topic, at: 1, messages: [{ p: 0, o: 0, v: '' }] },
      // An offset gap: a replay would hand out offsets other than those consumers committed.
      { op: 'send', topic, at: 2, messages: [{ p: 0, o: 5, v: '' }] },
      { op: 'send', topic, at: 3, messages: [{ p: 0, o: 6, v: '' }] },
    ];
    writeFileSync(join(dataDir, BUS_JOURNAL_FILE), Buffer.concat(entries.map((entry) => encodeEntry(entry))));
    expect(() => openEmbeddedMessageBus({ dataDir, logger: silentLogger })).toThrow(JournalCorruptError);
    expect(() => openEmbeddedMessageBus({ dataDir, logger: silentLogger })).toThrow(/offset 5/);
    writeFileSync(join(dataDir, BUS_JOURNAL_FILE), Buffer.concat([entries[0]!, { op: 'commit', commits: [{ topic, group: 'never', p: 0, o: 1 }] }].map((entry) => encodeEntry(entry))));
    expect(() => openEmbeddedMessageBus({ dataDir, logger: silentLogger })).toThrow(/never created/);
  });

  it('compacts away what every group finished, so the journal stays bounded, and keeps what a group still needs', async () => {
    const dataDir = tempDir();
    const compaction = { minBytes: 64 * 1024, ratio: 2 };
    let bus = openBus(dataDir, { compaction });
    await bus.ensureTopic(topic, { partitions: 2 });
    const fast = await collect(bus, groupId, true);
    const lagging = naming.invokerGroup('lagging');
    // The lagging group is created (it subscribed once) but finishes nothing until later.
    await (await collect(bus, lagging, false)).subscription.close();
    let largest = 0;
    const sent: string[] = [];
    for (let round = 0; round < 100; round++) {
      const values = Array.from({ length: 20 }, (_, i) => `r${round}-${i}-${'x'.repeat(1000)}`);
      sent.push(...values);
      await bus.send(topic, values.map((value, i) => ({ key: `k${i}`, value: Buffer.from(value) })));
      if (round === 49) {
        // Half-way, the lagging group catches up on everything sent so far.
        const caughtUp = await collect(bus, lagging, true);
        await eventually(async () => (caughtUp.messages.length >= sent.length ? true : undefined), 5000, 10);
        await caughtUp.subscription.close();
      }
      await eventually(async () => (fast.messages.length >= sent.length ? true : undefined), 5000, 5);
      largest = Math.max(largest, statSync(join(dataDir, BUS_JOURNAL_FILE)).size);
    }
    // 2000 messages of ~1.4 KB on disk each were written: ~2.8 MB without compaction. While the
    // lagging group held the first half, compaction had to keep it (~1.4 MB).
    const size = () => statSync(join(dataDir, BUS_JOURNAL_FILE)).size;
    expect(largest).toBeLessThan(2 * 1024 * 1024);
    await sleep(20);
    expect(size()).toBeGreaterThan(1024 * 1024); // the second half, which the lagging group has not read
    await bus.close();

    // The lagging group finds exactly the second half; the fast one nothing.
    bus = openBus(dataDir, { compaction });
    const fastAgain = await collect(bus, groupId, false);
    const laggingAgain = await collect(bus, lagging, true);
    await eventually(async () => (laggingAgain.messages.length >= 1000 ? true : undefined), 5000, 10);
    await sleep(50);
    expect(fastAgain.messages).toEqual([]);
    expect(laggingAgain.messages.map(text).sort()).toEqual(sent.slice(1000).sort());
    // Once both have finished everything, the next writes compact the journal to almost nothing.
    for (let round = 0; round < 5; round++) {
      await bus.send(topic, Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: Buffer.from('y'.repeat(1000)) })));
      await sleep(10);
    }
    await eventually(async () => (fastAgain.messages.length >= 100 && laggingAgain.messages.length >= 1100 ? true : undefined), 5000, 10);
    for (const m of fastAgain.messages) fastAgain.subscription.done(m);
    await sleep(20);
    await bus.send(topic, [{ value: Buffer.from('last') }]);
    expect(size()).toBeLessThan(64 * 1024);
  }, 30_000);

  it('starts a group that subscribes after others finished messages at the oldest message kept', async () => {
    const dataDir = tempDir();
    const bus = openBus(dataDir);
    await bus.ensureTopic(topic, { partitions: 1 });
    const early = await collect(bus, groupId, true);
    await bus.send(topic, ['a', 'b', 'c'].map((v) => ({ value: Buffer.from(v) })));
    await eventually(async () => (early.messages.length >= 3 ? true : undefined), 10_000, 10);
    const late = await collect(bus, naming.invokerGroup('late'), false);
    await bus.send(topic, [{ value: Buffer.from('d') }]);
    await eventually(async () => (late.messages.length >= 1 ? true : undefined), 10_000, 10);
    await sleep(30);
    expect(late.messages.map(text)).toEqual(['d']);
    expect(late.messages[0]!.offset).toBe('3');
  });

  it('drops messages older than the topic retention.ms, read or not', async () => {
    const dataDir = tempDir();
    let bus = openBus(dataDir);
    await bus.ensureTopic(topic, { partitions: 1, config: { 'retention.ms': '100' } });
    await bus.send(topic, [{ value: Buffer.from('old') }]);
    await sleep(150);
    await bus.send(topic, [{ value: Buffer.from('new') }]);
    await bus.close();
    bus = openBus(dataDir);
    const { messages } = await collect(bus, groupId, false);
    await eventually(async () => (messages.length >= 1 ? true : undefined), 10_000, 10);
    await sleep(30);
    expect(messages.map(text)).toEqual(['new']);
  });

  it('keeps every acknowledged send and the finished work when the process is killed (SIGKILL) mid-stream', async () => {
    const dataDir = tempDir();
    const acked: string[] = [];
    let committed = false;
    await killMidStream(
      join(__dirname, '../../../test/fixtures/embedded/bus-crash-writer.fixture.ts'),
      [dataDir, naming.prefix],
      (line) => {
        if (line === 'committed') committed = true;
        if (line.startsWith('acked ')) acked.push(line.slice(6));
      },
      () => acked.length >= 400,
    );
    expect(committed).toBe(true);

    const bus = openBus(dataDir);
    const { messages } = await collect(bus, groupId, false);
    const seen = new Set<string>();
    await eventually(async () => {
      for (const m of messages) seen.add(text(m));
      return acked.every((value) => seen.has(value)) ? true : undefined;
    }, 10_000, 20).catch(() => undefined);
    expect(acked.filter((value) => !seen.has(value))).toEqual([]);
    expect([...seen].filter((value) => value.startsWith('finished'))).toEqual([]);
    expect(messages.length).toBe(seen.size); // each once
  }, 60_000);
});
