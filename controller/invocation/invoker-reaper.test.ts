import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedActivationStore } from '../../common/adapters/embedded/embedded-activation-store';
import { createMemoryLeaderLock, newMemoryLeaderLockLocation } from '../../common/adapters/memory/memory-leader-lock';
import { createMemoryMessageBus } from '../../common/adapters/memory/memory-message-bus';
import { createMemorySignalBus } from '../../common/adapters/memory/memory-signal-bus';
import { DEFAULT_LIMITS } from '../../common/entities/limits';
import { STATUS_BY_CODE } from '../../common/entities/activation';
import { Messages } from '../../common/errors/messages';
import { newActivationId, newTransactionId } from '../../common/ids';
import { silentLogger } from '../../common/logging/logger';
import { createNaming } from '../../common/naming';
import { ACTIVATION_MESSAGE_VERSION, decodeActivationMessage, encodeActivationMessage, type ActivationMessage } from '../../common/protocol/activation-message';
import { decodeCompletion, encodeCompletion, type CompletionMessage } from '../../common/protocol/completion-message';
import { encodeHeartbeat } from '../../common/protocol/heartbeat';
import { UNDECODABLE_NAMESPACE } from '../../common/protocol/undecodable-record';
import type { ActivationStore } from '../../common/spi/activation-store';
import type { MessageBus, ReceivedMessage, Subscription } from '../../common/spi/message-bus';
import type { SignalBus, SignalSubscription } from '../../common/spi/signal-bus';
import { eventually } from '../../test/harness/eventually';
import { CompletionWaiter } from './completion-waiter';
import { Dispatcher } from './dispatcher';
import { InvokerRegistry } from './invoker-registry';
import { InvokerReaper } from './invoker-reaper';
import { LoadBalancer, RESERVATION_GRACE_MS } from './load-balancer';
import { REAPED_MESSAGE, reapedRecord } from './reap-decision';
import { TEST_MESSAGE_KEY } from '../../test/harness/message-key';

// The reaper on the standalone adapters, with heartbeats on a fast clock: invoker0 falls silent,
// invoker1 keeps beating. Two controllers contend for the lease; only the leader reaps.

const BEAT_MS = 40;
const REAP_AFTER_MS = 300;

describe('invoker reaper', () => {
  // Each test has its own topics and subjects, so the controllers of one cannot reap the invokers of the next.
  let run = 0;
  let naming = createNaming(`wisp-test-reaper-${process.pid}-${run}`);
  const dir = mkdtempSync(join(tmpdir(), 'wisp-reaper-'));
  let bus: MessageBus;
  let signals: SignalBus;
  let activations: ActivationStore;
  const closers: Array<() => Promise<void> | void> = [];

  const message = (acceptedAt: number): ActivationMessage => ({
    v: ACTIVATION_MESSAGE_VERSION,
    activationId: newActivationId(),
    transid: newTransactionId(),
    controllerId: 'controller0',
    action: { namespace: 'guest', name: 'sleepy', revision: '1-a', version: '0.0.1' },
    limits: DEFAULT_LIMITS,
    kind: 'nodejs:20',
    user: { subject: 'guest', namespace: 'guest', authKey: 'u:k' },
    content: {},
    blocking: true,
    acceptedAt,
  });

  const beat = (invokerId: string) =>
    signals.publish(
      naming.healthSubject(),
      encodeHeartbeat({ v: 2, invokerId, sentAt: Date.now(), userMemoryMb: 1024, freeMemoryMb: 1024, consumer: { state: 'running', lastFetchAt: Date.now() }, gpus: [], gpuWarm: [] }),
    );

  /** Every ack published to `controllerId`, as it arrives; unsubscribed after the test. */
  const acksTo = async (controllerId: string): Promise<CompletionMessage[]> => {
    const acks: CompletionMessage[] = [];
    const subscription: SignalSubscription = await signals.subscribe(naming.completionSubject(controllerId), (payload) => acks.push(decodeCompletion(payload)!));
    closers.push(() => subscription.close());
    return acks;
  };

  /** Every message on `topic`, read (and marked done) by the group `groupId`, as it arrives. */
  const read = async (topic: string, groupId: string, onEach: (received: ReceivedMessage) => void = () => undefined): Promise<ReceivedMessage[]> => {
    const received: ReceivedMessage[] = [];
    const subscription: Subscription = await bus.subscribe({
      topic,
      groupId,
      onMessage: (message) => {
        received.push(message);
        onEach(message);
        subscription.done(message);
      },
    });
    closers.push(() => subscription.close());
    return received;
  };

  /** The ids of the activations sent to `invokerId`, read as that invoker would. */
  const idsSentTo = async (invokerId: string): Promise<string[]> => {
    const ids: string[] = [];
    await read(naming.invokerTopic(invokerId), naming.invokerGroup(invokerId), (received) => {
      const decoded = decodeActivationMessage(received.value, TEST_MESSAGE_KEY);
      if (decoded.ok) ids.push(decoded.message.activationId);
    });
    return ids;
  };

  // How far the balancers' clocks run ahead, to let reservations lapse without waiting for them.
  let balancerSkewMs = 0;

  // Wired as controller.ts wires it: the dispatcher releases the balancer's reservations on acks
  // and sweeps it, and the reaper shares that balancer.
  const controller = async (controllerId: string, lock: ReturnType<typeof createMemoryLeaderLock>) => {
    const registry = new InvokerRegistry(signals, naming, silentLogger, Date.now, BEAT_MS);
    await registry.start();
    const waiter = new CompletionWaiter({ controllerId, signals, activations, naming, logger: silentLogger });
    await waiter.start();
    const balancer = new LoadBalancer(() => registry.invokers(), () => Date.now() + balancerSkewMs);
    const dispatcher = new Dispatcher({ controllerId, messageKey: TEST_MESSAGE_KEY, bus, naming, balancer, waiter, logger: silentLogger });
    const reaper = new InvokerReaper({
      controllerId,
      messageKey: TEST_MESSAGE_KEY,
      bus,
      signals,
      activations,
      naming,
      registry,
      balancer,
      lock,
      logger: silentLogger,
      reapAfterMs: REAP_AFTER_MS,
      redispatchWindowMs: 60_000,
      tickMs: 50,
    });
    closers.push(() => registry.stop(), () => waiter.stop(), () => dispatcher.stop(), () => reaper.stop());
    return { reaper, balancer, registry };
  };

  beforeAll(() => {
    bus = createMemoryMessageBus({ logger: silentLogger });
    signals = createMemorySignalBus({ logger: silentLogger });
    activations = openEmbeddedActivationStore({ dataDir: dir, logger: silentLogger });
  });

  beforeEach(() => {
    run += 1;
    balancerSkewMs = 0;
    naming = createNaming(`wisp-test-reaper-${process.pid}-${run}`);
  });

  // Controllers, heartbeats and readers end with their test, so none outlives it into the next.
  afterEach(async () => {
    for (const close of closers.reverse()) await close();
    closers.length = 0;
  });

  afterAll(async () => {
    await bus.close();
    await signals.close();
    await activations.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('settles what a dead invoker left: recorded work done, fresh work re-dispatched, stale work failed and acked; only the leader reaps', async () => {
    for (const id of ['invoker0', 'invoker1']) await bus.ensureTopic(naming.invokerTopic(id), { partitions: 1 });
    const finished = message(Date.now());
    const fresh = message(Date.now());
    const stale = message(Date.now() - 120_000);
    await activations.create(reapedRecord(finished, Date.now()));
    await bus.send(naming.invokerTopic('invoker0'), [finished, fresh, stale].map((m) => ({ key: m.activationId, value: encodeActivationMessage(m, TEST_MESSAGE_KEY) })));

    const acks = await acksTo('controller0');
    const moved = await idsSentTo('invoker1');

    const location = newMemoryLeaderLockLocation();
    const { reaper: leader } = await controller('controller0', createMemoryLeaderLock(location));
    const { reaper: follower } = await controller('controller1', createMemoryLeaderLock(location));
    beat('invoker0');
    const beating = setInterval(() => beat('invoker1'), BEAT_MS / 2);
    closers.push(() => clearInterval(beating));
    leader.start();
    await new Promise((resolve) => setTimeout(resolve, 60));
    follower.start();

    await eventually(async () => (leader.stats.failed + leader.stats.redispatched + leader.stats.finished === 3 ? true : undefined), 5000);
    expect(leader.stats).toEqual({ redispatched: 1, failed: 1, finished: 1, undecodable: 0, deadLettered: 0 });
    expect(follower.stats).toEqual({ redispatched: 0, failed: 0, finished: 0, undecodable: 0, deadLettered: 0 });
    await eventually(async () => (moved.length === 1 ? true : undefined), 2000);
    expect(moved).toEqual([fresh.activationId]);
    expect(await activations.getById(fresh.activationId)).toBeUndefined();
    const failed = await activations.getById(stale.activationId);
    expect(failed?.response).toEqual({ statusCode: 3, result: { error: REAPED_MESSAGE } });
    await eventually(async () => (acks.length === 1 ? true : undefined), 2000);
    expect(acks[0]).toMatchObject({ activationId: stale.activationId, invokerId: 'invoker0', record: { activationId: stale.activationId } });

    // invoker0 comes back: the reaper leaves its group, and the invoker resumes after what the
    // reaper committed, with what was sent meanwhile.
    const back = setInterval(() => beat('invoker0'), BEAT_MS / 2);
    closers.push(() => clearInterval(back));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const later = message(Date.now());
    await bus.send(naming.invokerTopic('invoker0'), [{ key: later.activationId, value: encodeActivationMessage(later, TEST_MESSAGE_KEY) }]);
    const resumed: string[] = [];
    const own: Subscription = await bus.subscribe({
      topic: naming.invokerTopic('invoker0'),
      groupId: naming.invokerGroup('invoker0'),
      onMessage: (received) => {
        const decoded = decodeActivationMessage(received.value, TEST_MESSAGE_KEY);
        if (decoded.ok) resumed.push(decoded.message.activationId);
        own.done(received);
      },
    });
    closers.push(() => own.close());
    await eventually(async () => (resumed.length > 0 ? true : undefined), 2000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(resumed).toEqual([later.activationId]);
    expect(leader.stats).toEqual({ redispatched: 1, failed: 1, finished: 1, undecodable: 0, deadLettered: 0 });
  });

  it('fails on record and acks an undecodable message whose id it can read, dead-letters one without, and keeps reaping after both', async () => {
    for (const id of ['invoker0', 'invoker1']) await bus.ensureTopic(naming.invokerTopic(id), { partitions: 1 });
    await bus.ensureTopic(naming.deadLetterTopic(), { partitions: 1 });
    // Readable id, controller and user; the limits are missing.
    const { limits: _limits, ...noLimits } = message(Date.now());
    // Readable id only: no controller to ack, no user to own the record.
    const anonymous = { v: 99, activationId: newActivationId() };
    const after = message(Date.now());
    await bus.send(naming.invokerTopic('invoker0'), [
      { key: noLimits.activationId, value: Buffer.from(JSON.stringify(noLimits)) },
      { value: Buffer.from('not json at all') },
      { key: anonymous.activationId, value: Buffer.from(JSON.stringify(anonymous)) },
      { key: after.activationId, value: encodeActivationMessage(after, TEST_MESSAGE_KEY) },
    ]);

    const acks = await acksTo('controller0');
    const deadLetters = await read(naming.deadLetterTopic(), `${naming.deadLetterTopic()}.reader`);
    const moved = await idsSentTo('invoker1');

    const { reaper } = await controller('controller0', createMemoryLeaderLock(newMemoryLeaderLockLocation()));
    beat('invoker0');
    const beating = setInterval(() => beat('invoker1'), BEAT_MS / 2);
    closers.push(() => clearInterval(beating));
    reaper.start();

    await eventually(async () => (reaper.stats.redispatched === 1 ? true : undefined), 5000);
    expect(reaper.stats).toEqual({ redispatched: 1, failed: 0, finished: 0, undecodable: 2, deadLettered: 1 });
    await eventually(async () => (moved.length === 1 ? true : undefined), 2000);
    expect(moved).toEqual([after.activationId]);

    const recorded = await activations.getById(noLimits.activationId);
    expect(recorded).toMatchObject({ namespace: 'guest', subject: 'guest', name: 'sleepy', activationId: noLimits.activationId });
    expect(STATUS_BY_CODE[recorded!.response.statusCode]).toBe('whisk internal error');
    expect(recorded!.response.result).toEqual({ error: Messages.undecodableMessage('missing or invalid limits') });
    const unowned = await activations.getById(anonymous.activationId);
    expect(unowned).toMatchObject({ namespace: UNDECODABLE_NAMESPACE, activationId: anonymous.activationId });
    expect(unowned!.response).toEqual({ statusCode: 3, result: { error: Messages.undecodableMessage('unsupported envelope version 99') } });

    await eventually(async () => (acks.length === 1 ? true : undefined), 2000);
    expect(acks[0]).toMatchObject({ activationId: noLimits.activationId, invokerId: 'invoker0', record: { activationId: noLimits.activationId, response: { statusCode: 3 } } });

    await eventually(async () => (deadLetters.length === 1 ? true : undefined), 2000);
    expect(deadLetters[0]!.value.toString()).toBe('not json at all');
    expect(deadLetters[0]!.headers['wisp-dead-letter-reason']).toBe('reaped: not JSON');
    expect(deadLetters[0]!.headers['wisp-source-topic']).toBe(naming.invokerTopic('invoker0'));
    // Nothing else was acked: the id-less and controller-less messages have nobody to tell.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(acks).toHaveLength(1);
  });

  it('counts what it re-dispatches on the target until the ack or the lapse, and forgets what it had sent to the dead invoker', async () => {
    for (const id of ['invoker0', 'invoker1']) await bus.ensureTopic(naming.invokerTopic(id), { partitions: 1 });
    // One activation this controller waits for, one another controller does: only the first ack comes here.
    const mine = message(Date.now());
    const theirs = { ...message(Date.now()), controllerId: 'controller9' };
    await bus.send(naming.invokerTopic('invoker0'), [mine, theirs].map((m) => ({ key: m.activationId, value: encodeActivationMessage(m, TEST_MESSAGE_KEY) })));
    const memory = DEFAULT_LIMITS.memory;

    // The balancer's clock an hour ahead: what it reserves is newer than any heartbeat, so only
    // an ack or the lapse can release it (the test's heartbeats always say 1024 MB free).
    balancerSkewMs = 3_600_000;
    const { reaper, balancer, registry } = await controller('controller0', createMemoryLeaderLock(newMemoryLeaderLockLocation()));
    beat('invoker0');
    const beating = setInterval(() => beat('invoker1'), BEAT_MS / 2);
    closers.push(() => clearInterval(beating));
    await eventually(async () => (balancer.freeMemoryMb('invoker1') === 1024 ? true : undefined), 2000);
    // As the dispatcher does on sending: both were counted on invoker0 before it fell silent.
    for (const m of [mine, theirs]) balancer.reserve(m.activationId, 'invoker0', memory, m.limits.timeout);
    expect(balancer.freeMemoryMb('invoker0')).toBe(1024 - 2 * memory);
    reaper.start();

    await eventually(async () => (reaper.stats.redispatched === 2 ? true : undefined), 5000);
    expect(balancer.freeMemoryMb('invoker1')).toBe(1024 - 2 * memory);
    // Down, invoker0 keeps nothing counted (the dispatcher's sweep runs every second).
    await eventually(async () => (balancer.freeMemoryMb('invoker0') === 1024 ? true : undefined), 3000);

    signals.publish(naming.completionSubject('controller0'), encodeCompletion(mine.activationId, 'invoker1', reapedRecord(mine, Date.now())));
    await eventually(async () => (balancer.freeMemoryMb('invoker1') === 1024 - memory ? true : undefined), 2000);
    // The other ack went to controller9: the reservation lapses after the action's timeout and the grace.
    balancerSkewMs += theirs.limits.timeout + RESERVATION_GRACE_MS + 1000;
    await eventually(async () => (balancer.freeMemoryMb('invoker1') === 1024 ? true : undefined), 3000);

    // invoker0 comes back with all its memory, and looks it.
    const back = setInterval(() => beat('invoker0'), BEAT_MS / 2);
    closers.push(() => clearInterval(back));
    await eventually(async () => (registry.invokers().find((view) => view.invokerId === 'invoker0')?.state === 'up' ? true : undefined), 2000);
    expect(balancer.freeMemoryMb('invoker0')).toBe(1024);
  });
});
