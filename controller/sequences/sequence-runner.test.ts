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
  readonly finished: string[] = [];
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
      const activationId = newActivationId();
      const outcome = this.behaviours.get(request.actionName)!(request.payload);
      if (outcome === 'throw') throw new Error('No invokers available');
      if (outcome === 'no-answer') return { kind: 'accepted', activationId };
      const record: ActivationRecord = {
        namespace: 'guest', name: request.actionName, subject: 'guest', activationId, start: 1000, end: 1010, duration: 10,
        ...(request.cause ? { cause: request.cause } : {}), response: outcome, logs: [], version: '0.0.1', publish: false, annotations: [],
      };
      return { kind: 'completed', activationId, record };
    },
  };

  runner(componentGraceMs = 60_000): SequenceRunner {
    return new SequenceRunner({ invoker: this.invoker, activations: this.stores.activations, resolve: this.resolve, logger: silentLogger, componentGraceMs, onFinished: (id) => this.finished.push(id) });
  }
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
    const outcome = await world.runner().invoke({ ...request, activationId: 'f'.repeat(32) }, true, 5000);
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
    expect(world.finished).toEqual(['f'.repeat(32)]);
  });

  it('stops at the first component that does not succeed and ends with its response', async () => {
    world.atomic('a', () => ok({ n: 1 }));
    world.atomic('bad', () => ({ statusCode: 1, result: { error: 'nope' } }));
    world.atomic('never', () => ok({}));
    const outcome = await world.runner().invoke(world.sequence('s', ['/guest/a', '/guest/bad', '/guest/never']), true, 5000);
    const record = (outcome as Extract<InvokeOutcome, { kind: 'completed' }>).record;
    expect(record.response).toEqual({ statusCode: 1, result: { error: 'nope' } });
    expect(record.logs).toHaveLength(2);
    expect(world.requests.map((r) => r.actionName)).toEqual(['a', 'bad']);
  });

  it('passes an array result on as it is, and a non-object result as {}', async () => {
    world.atomic('arr', () => ok([1, 2]));
    world.atomic('echo', (input) => ok({ input }));
    world.atomic('scalar', () => ok('text'));
    await world.runner().invoke(world.sequence('s', ['/guest/arr', '/guest/echo', '/guest/scalar', '/guest/echo']), true, 5000);
    expect(world.requests.map((r) => r.payload)).toEqual([{ start: 1 }, [1, 2], { input: [1, 2] }, {}]);
  });

  it('turns a component whose answer never came into a whisk error naming it', async () => {
    world.atomic('slow', () => 'no-answer');
    const outcome = await world.runner().invoke(world.sequence('s', ['/guest/slow']), true, 5000);
    const record = (outcome as Extract<InvokeOutcome, { kind: 'completed' }>).record;
    expect(record.response).toEqual({ statusCode: 3, result: { error: `Timeout reached when retrieving activation ${record.logs[0]} for sequence component.` } });
  });

  it('turns a component that could not be dispatched into "Sequence failed."', async () => {
    world.atomic('a', () => ok({}));
    world.atomic('nowhere', () => 'throw');
    const outcome = await world.runner().invoke(world.sequence('s', ['/guest/a', '/guest/nowhere']), true, 5000);
    const record = (outcome as Extract<InvokeOutcome, { kind: 'completed' }>).record;
    expect(record.response).toEqual({ statusCode: 3, result: { error: 'Sequence failed.' } });
    expect(record.logs).toHaveLength(1);
  });

  it('answers an application error when a component no longer exists, running none', async () => {
    world.atomic('a', () => ok({}));
    const outcome = await world.runner().invoke(world.sequence('s', ['/guest/a', '/guest/deleted']), true, 5000);
    const record = (outcome as Extract<InvokeOutcome, { kind: 'completed' }>).record;
    expect(record.response).toEqual({ statusCode: 1, result: { error: 'Sequence component does not exist.' } });
    expect(world.requests).toHaveLength(0);
  });

  it('runs a nested sequence inline: its own record, caused by the outer one', async () => {
    world.atomic('a', (input) => ok({ ...(input as object), a: 1 }));
    world.atomic('b', (input) => ok({ ...(input as object), b: 1 }), 1024);
    world.sequence('inner', ['/guest/a', '/guest/b']);
    const outer = world.sequence('outer', ['/guest/a', '/guest/inner']);
    const outcome = await world.runner().invoke(outer, true, 5000);
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
    const outcome = await world.runner().invoke(world.sequence('s', ['/guest/thirty', '/guest/thirty']), true, 5000);
    const record = (outcome as Extract<InvokeOutcome, { kind: 'completed' }>).record;
    expect(record.response).toEqual({ statusCode: 1, result: { error: 'Too many actions in the sequence.' } });
    expect(world.requests).toHaveLength(50);
  });

  it('answers non-blocking at once, and a blocking wait that runs out with the id; the record lands later', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    world.atomic('a', () => ok({ done: true }));
    const slowInvoker: ComponentInvoker = { invoke: async (request, blocking, wait) => (await gate, world.invoker.invoke(request, blocking, wait)) };
    const runner = new SequenceRunner({ invoker: slowInvoker, activations: stores.activations, resolve: world.resolve, logger: silentLogger, onFinished: (id) => world.finished.push(id) });
    const async = await runner.invoke(world.sequence('s', ['/guest/a']), false);
    expect(async.kind).toBe('accepted');
    const blocking = await runner.invoke(world.sequence('s', ['/guest/a']), true, 50);
    expect(blocking.kind).toBe('accepted');
    expect(await stores.activations.getById(async.activationId)).toBeUndefined();
    release();
    await runner.stop();
    expect((await stores.activations.getById(async.activationId))?.response).toEqual(ok({ done: true }));
    expect((await stores.activations.getById(blocking.activationId))?.response).toEqual(ok({ done: true }));
    expect(world.finished.sort()).toEqual([async.activationId, blocking.activationId].sort());
  });
});
