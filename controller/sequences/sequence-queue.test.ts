import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStores, type EmbeddedStores } from '../../common/adapters/embedded/embedded-stores';
import { createMemoryMessageBus } from '../../common/adapters/memory/memory-message-bus';
import { createMemorySignalBus } from '../../common/adapters/memory/memory-signal-bus';
import type { ActionDoc } from '../../common/entities/action';
import type { ActivationRecord, ActivationResponse } from '../../common/entities/activation';
import { DEFAULT_LIMITS } from '../../common/entities/limits';
import { Messages } from '../../common/errors/messages';
import { newActivationId } from '../../common/ids';
import { silentLogger } from '../../common/logging/logger';
import { createNaming } from '../../common/naming';
import { decodeCompletion } from '../../common/protocol/completion-message';
import { generateMessageKeyText, parseMessageKey } from '../../common/protocol/message-seal';
import type { MessageBus, ReceivedMessage } from '../../common/spi/message-bus';
import type { SignalBus } from '../../common/spi/signal-bus';
import { CompletionWaiter } from '../invocation/completion-waiter';
import type { InvokeOutcome, InvokeRequest } from '../invocation/dispatcher';
import { formatQualifiedName } from './sequence-components';
import { SEQUENCE_JOB_VERSION, encodeSequenceJob } from './sequence-job';
import { SequenceQueue } from './sequence-queue';
import type { ComponentResolver } from './sequence-resolver';
import { SequenceRunner, type ComponentInvoker } from './sequence-runner';
import { stepActivationId } from './step-ids';

// The sequence queue on the standalone adapters (memory buses, embedded activation store), with
// steps played by a function that records each run as an invoker would. A controller "dies" by
// leaving the group with its job unfinished and its step never answered; another one in the same
// group replays the job.

const key = parseMessageKey(generateMessageKeyText())!;
const naming = createNaming('seqq');
const identity = { subject: 'guest', namespace: 'guest', uuid: 'u', authKey: 'u:k' };

function doc(name: string, exec: ActionDoc['exec']): ActionDoc {
  return { entityType: 'action', namespace: 'guest', name, version: '0.0.1', publish: false, exec, parameters: [], annotations: [], limits: { ...DEFAULT_LIMITS, timeout: 1000 }, updated: 0 };
}

const docs = new Map<string, ActionDoc>([
  ['/guest/step', doc('step', { kind: 'nodejs:20', code: 'x', binary: false })],
  ['/guest/three', doc('three', { kind: 'sequence', components: ['/guest/step', '/guest/step', '/guest/step'] })],
]);
const resolve: ComponentResolver = async (name) => {
  const d = docs.get(formatQualifiedName(name));
  return d ? { action: { revision: 'r1', doc: d }, actionNamespace: name.namespace, actionName: name.name } : undefined;
};

function request(activationId?: string): InvokeRequest {
  return { identity, action: { revision: 'r1', doc: docs.get('/guest/three')! }, actionNamespace: 'guest', actionName: 'three', payload: { trail: [] }, transid: 't'.repeat(32), ...(activationId ? { activationId } : {}) };
}

/** Steps that append their id to the trail and store their record, as an invoker does; `hang` steps never answer. */
class Steps implements ComponentInvoker {
  readonly runs: string[] = [];
  hang = (_activationId: string) => false;

  constructor(private readonly stores: EmbeddedStores) {}

  async invoke(req: InvokeRequest): Promise<InvokeOutcome> {
    const activationId = req.activationId!;
    if (this.hang(activationId)) return new Promise<InvokeOutcome>(() => undefined);
    this.runs.push(activationId);
    const trail = (req.payload as { trail: string[] }).trail;
    const response: ActivationResponse = { statusCode: 0, result: { trail: [...trail, activationId] } };
    const record: ActivationRecord = { namespace: 'guest', name: req.actionName, subject: 'guest', activationId, start: 1, end: 2, duration: 1, cause: req.cause!, response, logs: [], version: '0.0.1', publish: false, annotations: [] };
    await this.stores.activations.create(record);
    return { kind: 'completed', activationId, record };
  }
}

interface Controller {
  readonly queue: SequenceQueue;
  readonly waiter: CompletionWaiter;
  readonly steps: Steps;
  stop(): Promise<void>;
}

describe('SequenceQueue', () => {
  let dir: string;
  let stores: EmbeddedStores;
  let bus: MessageBus;
  let signals: SignalBus;
  const started: Controller[] = [];

  async function controller(controllerId: string, options: { now?: () => number; replayWindowMs?: number } = {}): Promise<Controller> {
    const waiter = new CompletionWaiter({ controllerId, signals, activations: stores.activations, naming, logger: silentLogger, pollIntervalMs: 50 });
    await waiter.start();
    const steps = new Steps(stores);
    const runner = new SequenceRunner({ invoker: steps, activations: stores.activations, resolve, logger: silentLogger });
    const queue = new SequenceQueue({
      controllerId, messageKey: key, bus, signals, naming, activations: stores.activations, waiter, runner, logger: silentLogger,
      replayWindowMs: options.replayWindowMs ?? 60_000, ...(options.now ? { now: options.now } : {}),
    });
    await queue.start();
    await queue.joined();
    const c = { queue, waiter, steps, stop: async () => (await queue.stop(50), await waiter.stop()) };
    started.push(c);
    return c;
  }

  /** Every ack published to `controllerId`'s completion subject. */
  async function acksTo(controllerId: string): Promise<string[]> {
    const acks: string[] = [];
    await signals.subscribe(naming.completionSubject(controllerId), (payload) => acks.push(decodeCompletion(payload)!.activationId));
    return acks;
  }

  async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wisp-seqq-'));
    stores = await openEmbeddedStores({ dataDir: dir, logger: silentLogger });
    bus = createMemoryMessageBus({ logger: silentLogger });
    signals = createMemorySignalBus({ logger: silentLogger });
  });

  afterEach(async () => {
    for (const c of started.splice(0)) await c.stop();
    await bus.close();
    await signals.close();
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a blocking sequence with its stored record, component ids included, and acks it to the accepting controller', async () => {
    const c0 = await controller('controller0');
    const acks = await acksTo('controller0');
    const freed: string[] = [];
    c0.waiter.onCompletion((id) => freed.push(id));
    const outcome = await c0.queue.invoke(request(), true, 10_000);
    expect(outcome.kind).toBe('completed');
    const record = (outcome as Extract<InvokeOutcome, { kind: 'completed' }>).record;
    expect(record.logs).toEqual([0, 1, 2].map((i) => stepActivationId(outcome.activationId, i)));
    expect(record.response).toEqual({ statusCode: 0, result: { trail: record.logs } });
    expect(acks).toEqual([outcome.activationId]);
    expect(freed).toEqual([outcome.activationId]);
  });

  it('answers a non-blocking sequence only once the bus holds its job, and fails when the bus refuses it', async () => {
    const c0 = await controller('controller0');
    const outcome = await c0.queue.invoke(request(), false);
    expect(outcome.kind).toBe('accepted');
    expect((await until(() => stores.activations.getById(outcome.activationId))).response.statusCode).toBe(0);
    await bus.close();
    await expect(c0.queue.invoke(request(), false)).rejects.toThrow();
  });

  it('replays a dead controller\'s sequence on another member: recorded steps are read back, each step runs once, and the accepting controller gets the ack', async () => {
    const c0 = await controller('controller0');
    const acks = await acksTo('controller0');
    const id = newActivationId();
    // controller0 dies while its second step runs: that step never answers it.
    c0.steps.hang = (stepId) => stepId === stepActivationId(id, 1);
    expect((await c0.queue.invoke(request(id), false)).kind).toBe('accepted');
    await until(() => (c0.steps.runs.length === 1 ? true : undefined));
    const c1 = await controller('controller1');
    await c0.stop();
    started.splice(started.indexOf(c0), 1);
    const record = await until(() => stores.activations.getById(id));
    const stepIds = [0, 1, 2].map((i) => stepActivationId(id, i));
    expect(c0.steps.runs).toEqual([stepIds[0]]);
    expect(c1.steps.runs).toEqual([stepIds[1], stepIds[2]]);
    expect(record.logs).toEqual(stepIds);
    expect(record.response).toEqual({ statusCode: 0, result: { trail: stepIds } });
    await until(() => (acks.includes(id) ? true : undefined));
  });

  it('records a job whose deadline passed as failed, running no step', async () => {
    let now = Date.now();
    const id = newActivationId();
    // Accepted, then the clock moves past the deadline before any controller starts it.
    await bus.ensureTopic(naming.sequenceTopic(), { partitions: 8 });
    const job = {
      v: SEQUENCE_JOB_VERSION, activationId: id, transid: 't1', controllerId: 'controller0', action: { namespace: 'guest', name: 'three', revision: 'r1' },
      user: { ...identity }, doc: docs.get('/guest/three')!, payload: {}, blocking: false, acceptedAt: now, deadline: now + 5000,
    } as const;
    await bus.send(naming.sequenceTopic(), [{ key: id, value: encodeSequenceJob(job, key) }]);
    now += 6000;
    const c2 = await controller('controller2', { now: () => now, replayWindowMs: 5000 });
    const record = await until(() => stores.activations.getById(id));
    expect(record.response).toEqual({ statusCode: 3, result: { error: Messages.sequenceExpired(5000) } });
    expect(c2.steps.runs).toEqual([]);
  });

  it('turns an undecodable job into a record when its id can be read, and into a dead letter otherwise', async () => {
    await controller('controller0');
    const acks = await acksTo('controller0');
    const dead: ReceivedMessage[] = [];
    await bus.subscribe({ topic: naming.deadLetterTopic(), groupId: 'inspect', onMessage: (m) => void dead.push(m) });
    const id = newActivationId();
    const other = parseMessageKey(generateMessageKeyText())!;
    const job = {
      v: SEQUENCE_JOB_VERSION, activationId: id, transid: 't1', controllerId: 'controller0', action: { namespace: 'guest', name: 'three', revision: 'r1' },
      user: { ...identity }, doc: docs.get('/guest/three')!, payload: {}, blocking: false, acceptedAt: Date.now(), deadline: Date.now() + 5000,
    } as const;
    await bus.send(naming.sequenceTopic(), [{ key: id, value: encodeSequenceJob(job, other) }, { value: Buffer.from('garbage') }]);
    const record = await until(() => stores.activations.getById(id));
    expect(record).toMatchObject({ namespace: 'guest', name: 'three', response: { statusCode: 3, result: { error: expect.stringContaining('could not be decoded') } } });
    await until(() => (acks.includes(id) ? true : undefined));
    await until(() => (dead.length === 1 ? true : undefined));
    expect(dead[0]!.value.toString()).toBe('garbage');
    expect(dead[0]!.headers['wisp-source-topic']).toBe(naming.sequenceTopic());
  });
});
