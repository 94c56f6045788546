import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStores, type EmbeddedStores } from '../../common/adapters/embedded/embedded-stores';
import type { ActionDoc } from '../../common/entities/action';
import type { ActivationRecord, ActivationResponse } from '../../common/entities/activation';
import { DEFAULT_LIMITS } from '../../common/entities/limits';
import { newActivationId } from '../../common/ids';
import { silentLogger } from '../../common/logging/logger';
import { formatQualifiedName } from './sequence-components';
import type { ComponentResolver } from './sequence-resolver';
import type { InvokeOutcome, InvokeRequest } from '../invocation/dispatcher';
import { SequenceRunner, type ComponentInvoker } from './sequence-runner';
import { stepActivationId } from './step-ids';

// The sequence runner's logic with components played by functions in place of the Dispatcher
// (every outcome it can answer, including the ones a live invoker makes hard to provoke: a wait
// that runs out, a dispatch that throws), and the real embedded activation store.

type Behaviour = (input: unknown) => ActivationResponse | 'no-answer' | 'throw';

const identity = { subject: 'guest', namespace: 'guest', uuid: 'u', authKey: 'u:k' };

function doc(name: string, exec: ActionDoc['exec'], memory = 256): ActionDoc {
  return { entityType: 'action', namespace: 'guest', name, version: '0.0.7', publish: false, exec, parameters: [], annotations: [], limits: { ...DEFAULT_LIMITS, timeout: 1000, memory }, updated: 0 };
}

class World {
  readonly docs = new Map<string, ActionDoc>();
  readonly behaviours = new Map<string, Behaviour>();
  readonly requests: InvokeRequest[] = [];
  readonly waits: number[] = [];

  constructor(readonly stores: EmbeddedStores) {}

  atomic(name: string, behaviour: Behaviour, memory = 256): void {
    this.docs.set(`/guest/${name}`, doc(name, { kind: 'nodejs:20', code: 'x', binary: false }, memory));
    this.behaviours.set(name, behaviour);
  }

  sequence(name: string, components: string[]): InvokeRequest {
    const d = doc(name, { kind: 'sequence', components });
    this.docs.set(`/guest/${name}`, d);
    return { identity, action: { revision: 'r1', doc: d }, actionNamespace: 'guest', actionName: name, payload: { start: 1 }, transid: 't'.repeat(32) };
  }

  readonly resolve: ComponentResolver = async (name) => {
    const d = this.docs.get(formatQualifiedName(name));
    return d ? { action: { revision: 'r1', doc: d }, actionNamespace: name.namespace, actionName: name.name } : undefined;
  };

  readonly invoker: ComponentInvoker = {
    invoke: async (request, _blocking, maxWaitMs): Promise<InvokeOutcome> => {
      this.requests.push(request);
      this.waits.push(maxWaitMs);
      const activationId = request.activationId ?? newActivationId();
      const outcome = this.behaviours.get(request.actionName)!(request.payload);
      if (outcome === 'throw') throw new Error('No invokers available');
      if (outcome === 'no-answer') return { kind: 'accepted', activationId };
      const record: ActivationRecord = {
        namespace: 'guest', name: request.actionName, subject: 'guest', activationId, start: 1000, end: 1010, duration: 10,
        ...(request.cause ? { cause: request.cause } : {}), response: outcome, logs: [], version: '0.0.1', publish: false, annotations: [],
      };
      // As an invoker does: the step's record is stored before its ack.
      await this.stores.activations.create(record);
      return { kind: 'completed', activationId, record };
    },
  };

  runner(componentGraceMs = 60_000): SequenceRunner {
    return new SequenceRunner({ invoker: this.invoker, activations: this.stores.activations, resolve: this.resolve, logger: silentLogger, componentGraceMs });
  }
}

/** A topmost run as the queue starts it; 'completed' once its record is stored. */
async function invoke(runner: SequenceRunner, request: InvokeRequest): Promise<InvokeOutcome> {
  const activationId = request.activationId ?? newActivationId();
  const record = await runner.run({ ...request, activationId }, Date.now());
  return record ? { kind: 'completed', activationId, record } : { kind: 'accepted', activationId };
}

const ok = (result: unknown): ActivationResponse => ({ statusCode: 0, result });
const annotation = (record: ActivationRecord, key: string) => record.annotations.find((a) => a.key === key)?.value;

describe('SequenceRunner', () => {
  let dir: string;
  let stores: EmbeddedStores;
  let world: World;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wisp-seq-'));
    stores = await openEmbeddedStores({ dataDir: dir, logger: silentLogger });
    world = new World(stores);
  });

  afterEach(async () => {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the components in order, each result the next input, and writes the sequence record', async () => {
    world.atomic('a', (input) => ok({ ...(input as object), a: true }), 128);
    world.atomic('b', (input) => ok({ ...(input as object), b: true }), 512);
    world.atomic('c', (input) => ok({ got: input }));
    const request = world.sequence('abc', ['/guest/a', '/guest/b', '/guest/c']);
    const outcome = await invoke(world.runner(), { ...request, activationId: 'f'.repeat(32) });
    expect(outcome.kind).toBe('completed');
    const record = (outcome as Extract<InvokeOutcome, { kind: 'completed' }>).record;
    expect(record).toMatchObject({
      activationId: 'f'.repeat(32), namespace: 'guest', name: 'abc', subject: 'guest', version: '0.0.7', duration: 30,
      response: { statusCode: 0, result: { got: { start: 1, a: true, b: true } } },
    });
    expect(record.cause).toBeUndefined();
    expect(record.logs).toEqual(world.requests.map(() => expect.stringMatching(/^[0-9a-f]{32}$/)));
    expect(world.requests.map((r) => [r.actionName, r.cause, r.identity.namespace])).toEqual([['a', 'f'.repeat(32), 'guest'], ['b', 'f'.repeat(32), 'guest'], ['c', 'f'.repeat(32), 'guest']]);
    expect(world.waits).toEqual([61_000, 61_000, 61_000]);
    expect(annotation(record, 'topmost')).toBe(true);
    expect(annotation(record, 'path')).toBe('guest/abc');
    expect(annotation(record, 'kind')).toBe('sequence');
    expect(annotation(record, 'limits')).toEqual({ ...DEFAULT_LIMITS, timeout: 1000, memory: 512 });
    expect(annotation(record, 'causedBy')).toBeUndefined();
    expect(await stores.activations.getById('f'.repeat(32))).toEqual(record);
  });

  it('stops at the first component that does not succeed and ends with its response', async () => {
    world.atomic('a', () => ok({ n: 1 }));
    world.atomic('bad', () => ({ statusCode: 1, result: { error: 'nope' } }));
    world.atomic('never', () => ok({}));
    const outcome = await invoke(world.runner(), world.sequence('s', ['/guest/a', '/guest/bad', '/guest/never']));
    const record = (outcome as Extract<InvokeOutcome, { kind: 'completed' }>).record;
    expect(record.response).toEqual({ statusCode: 1, result: { error: 'nope' } });
    expect(record.logs).toHaveLength(2);
    expect(world.requests.map((r) => r.actionName)).toEqual(['a', 'bad']);
  });

  it('passes an array result on as it is, and a non-object result as {}', async () => {
    world.atomic('arr', () => ok([1, 2]));
    world.atomic('echo', (input) => ok({ input }));
    world.atomic('scalar', () => ok('text'));
    await invoke(world.runner(), world.sequence('s', ['/guest/arr', '/guest/echo', '/guest/scalar', '/guest/echo']));
    expect(world.requests.map((r) => r.payload)).toEqual([{ start: 1 }, [1, 2], { input: [1, 2] }, {}]);
  });

  it('turns a component whose answer never came into a whisk error naming it', async () => {
    world.atomic('slow', () => 'no-answer');
    const outcome = await invoke(world.runner(), world.sequence('s', ['/guest/slow']));
    const record = (outcome as Extract<InvokeOutcome, { kind: 'completed' }>).record;
    expect(record.response).toEqual({ statusCode: 3, result: { error: `Timeout reached when retrieving activation ${record.logs[0]} for sequence component.` } });
  });

  it('turns a component that could not be dispatched into "Sequence failed."', async () => {
    world.atomic('a', () => ok({}));
    world.atomic('nowhere', () => 'throw');
    const outcome = await invoke(world.runner(), world.sequence('s', ['/guest/a', '/guest/nowhere']));
    const record = (outcome as Extract<InvokeOutcome, { kind: 'completed' }>).record;
    expect(record.response).toEqual({ statusCode: 3, result: { error: 'Sequence failed.' } });
    expect(record.logs).toHaveLength(1);
  });

  it('answers an application error when a component no longer exists, running none', async () => {
    world.atomic('a', () => ok({}));
    const outcome = await invoke(world.runner(), world.sequence('s', ['/guest/a', '/guest/deleted']));
    const record = (outcome as Extract<InvokeOutcome, { kind: 'completed' }>).record;
    expect(record.response).toEqual({ statusCode: 1, result: { error: 'Sequence component does not exist.' } });
    expect(world.requests).toHaveLength(0);
  });

  it('runs a nested sequence inline: its own record, caused by the outer one', async () => {
    world.atomic('a', (input) => ok({ ...(input as object), a: 1 }));
    world.atomic('b', (input) => ok({ ...(input as object), b: 1 }), 1024);
    world.sequence('inner', ['/guest/a', '/guest/b']);
    const outer = world.sequence('outer', ['/guest/a', '/guest/inner']);
    const outcome = await invoke(world.runner(), outer);
    const record = (outcome as Extract<InvokeOutcome, { kind: 'completed' }>).record;
    expect(record.response.result).toEqual({ start: 1, a: 1, b: 1 });
    expect(record.logs).toHaveLength(2);
    const inner = (await stores.activations.getById(record.logs[1]!))!;
    expect(inner).toMatchObject({ name: 'inner', cause: record.activationId, duration: 20 });
    expect(annotation(inner, 'topmost')).toBe(false);
    expect(annotation(inner, 'causedBy')).toBe('sequence');
    expect(world.requests.map((r) => r.cause)).toEqual([record.activationId, inner.activationId, inner.activationId]);
    expect(annotation(record, 'limits')).toMatchObject({ memory: 1024 });
    expect(record.duration).toBe(30);
  });

  it('counts atomic actions across nested sequences and stops past 50', async () => {
    world.atomic('a', () => ok({}));
    world.sequence('thirty', Array.from({ length: 30 }, () => '/guest/a'));
    const outcome = await invoke(world.runner(), world.sequence('s', ['/guest/thirty', '/guest/thirty']));
    const record = (outcome as Extract<InvokeOutcome, { kind: 'completed' }>).record;
    expect(record.response).toEqual({ statusCode: 1, result: { error: 'Too many actions in the sequence.' } });
    expect(world.requests).toHaveLength(50);
  });

  it('gives each step an id derived from the sequence id and its index', async () => {
    world.atomic('a', () => ok({ n: 1 }));
    world.atomic('b', () => ok({ n: 2 }));
    const outcome = await invoke(world.runner(), { ...world.sequence('s', ['/guest/a', '/guest/b']), activationId: 'a'.repeat(32) });
    const record = (outcome as Extract<InvokeOutcome, { kind: 'completed' }>).record;
    expect(record.logs).toEqual([stepActivationId('a'.repeat(32), 0), stepActivationId('a'.repeat(32), 1)]);
    expect(new Set([...record.logs, 'a'.repeat(32)]).size).toBe(3);
    expect(stepActivationId('a'.repeat(32), 0)).toMatch(/^[0-9a-f]{32}$/);
    expect(stepActivationId('a'.repeat(32), 0)).not.toBe(stepActivationId('b'.repeat(32), 0));
  });

  it('replays a sequence: steps already recorded are read back, not run again, and the rest run', async () => {
    world.atomic('a', (input) => ok({ ...(input as object), a: true }));
    world.atomic('b', (input) => ok({ ...(input as object), b: true }));
    world.atomic('c', (input) => ok({ ...(input as object), c: true }));
    const id = 'c'.repeat(32);
    // The previous run (a dead controller's) got as far as recording step 0.
    await stores.activations.create({
      namespace: 'guest', name: 'a', subject: 'guest', activationId: stepActivationId(id, 0), start: 1, end: 5, duration: 4, cause: id,
      response: ok({ start: 1, a: 'first run' }), logs: [], version: '0.0.1', publish: false, annotations: [],
    });
    const outcome = await invoke(world.runner(), { ...world.sequence('abc', ['/guest/a', '/guest/b', '/guest/c']), activationId: id });
    expect(world.requests.map((r) => [r.actionName, r.activationId])).toEqual([['b', stepActivationId(id, 1)], ['c', stepActivationId(id, 2)]]);
    const record = (outcome as Extract<InvokeOutcome, { kind: 'completed' }>).record;
    expect(record.response).toEqual(ok({ start: 1, a: 'first run', b: true, c: true }));
    expect(record.logs).toEqual([0, 1, 2].map((i) => stepActivationId(id, i)));
    expect(record.duration).toBe(24);
  });

  it('replays a nested sequence from its recorded steps, and a recorded sequence is not run again', async () => {
    world.atomic('a', (input) => ok({ ...(input as object), a: true }));
    world.atomic('b', (input) => ok({ ...(input as object), b: true }));
    world.sequence('inner', ['/guest/a', '/guest/b']);
    const outer = { ...world.sequence('outer', ['/guest/inner', '/guest/a']), activationId: 'd'.repeat(32) };
    const first = await invoke(world.runner(), outer);
    const runs = world.requests.length;
    expect(runs).toBe(3);
    const again = await invoke(world.runner(), outer);
    expect(world.requests.length).toBe(runs);
    expect(again).toEqual(first);
  });

  it('keeps the record stored first when another run of the same sequence stored one', async () => {
    world.atomic('a', () => ok({ mine: true }));
    const id = 'e'.repeat(32);
    const request = { ...world.sequence('s', ['/guest/a']), activationId: id };
    const first = await invoke(world.runner(), request);
    const stored = await stores.activations.getById(id);
    await stores.activations.create({ ...stored!, activationId: stepActivationId('f'.repeat(32), 9) });
    const second = await world.runner().run({ ...request, activationId: id }, Date.now() + 5000);
    expect(second).toEqual((first as Extract<InvokeOutcome, { kind: 'completed' }>).record);
  });

  it('leaves a sequence unrecorded when stopped mid-run, for its job to be run again', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    world.atomic('a', () => ok({ done: true }));
    world.atomic('b', () => ok({ done: true }));
    const slowInvoker: ComponentInvoker = { invoke: async (request, blocking, wait) => (await gate, world.invoker.invoke(request, blocking, wait)) };
    const runner = new SequenceRunner({ invoker: slowInvoker, activations: stores.activations, resolve: world.resolve, logger: silentLogger });
    const id = newActivationId();
    const run = runner.run({ ...world.sequence('s', ['/guest/a', '/guest/b']), activationId: id }, Date.now());
    const stopped = runner.stop(5000);
    release();
    await stopped;
    expect(await run).toBeUndefined();
    expect(await stores.activations.getById(id)).toBeUndefined();
  });
});
