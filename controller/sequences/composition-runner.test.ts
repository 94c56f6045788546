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
import { conductorDecision, conductorInput, resolveConductorName } from './conductor-turn';

// Conductor actions' compositions (ADR 0028) with the steps played by functions in place of the
// Dispatcher and the real embedded activation store, so replays read real records back.

type Behaviour = (input: unknown) => ActivationResponse | 'no-answer' | 'throw';

const identity = { subject: 'guest', namespace: 'guest', uuid: 'u', authKey: 'u:k' };
const ok = (result: unknown): ActivationResponse => ({ statusCode: 0, result });
const annotation = (record: ActivationRecord, key: string) => record.annotations.find((a) => a.key === key)?.value;

function doc(name: string, exec: ActionDoc['exec'], annotations: ActionDoc['annotations'] = [], memory = 256): ActionDoc {
  return { entityType: 'action', namespace: 'guest', name, version: '0.0.7', publish: false, exec, parameters: [], annotations, limits: { ...DEFAULT_LIMITS, timeout: 1000, memory }, updated: 0 };
}

class World {
  readonly docs = new Map<string, ActionDoc>();
  readonly behaviours = new Map<string, Behaviour>();
  readonly requests: InvokeRequest[] = [];
  now = Date.now();

  constructor(readonly stores: EmbeddedStores) {}

  atomic(name: string, behaviour: Behaviour, memory = 256): void {
    this.docs.set(`/guest/${name}`, doc(name, { kind: 'nodejs:20', code: 'x', binary: false }, [], memory));
    this.behaviours.set(name, behaviour);
  }

  conductor(name: string, behaviour: Behaviour): InvokeRequest {
    const d = doc(name, { kind: 'python:3.11', code: 'x', binary: false }, [{ key: 'conductor', value: true }]);
    this.docs.set(`/guest/${name}`, d);
    this.behaviours.set(name, behaviour);
    return { identity, action: { revision: 'r1', doc: d }, actionNamespace: 'guest', actionName: name, payload: { n: 0 }, transid: 't'.repeat(32) };
  }

  readonly resolve: ComponentResolver = async (name) => {
    const d = this.docs.get(formatQualifiedName(name));
    return d ? { action: { revision: 'r1', doc: d }, actionNamespace: name.namespace, actionName: name.name } : undefined;
  };

  readonly invoker: ComponentInvoker = {
    invoke: async (request): Promise<InvokeOutcome> => {
      this.requests.push(request);
      const activationId = request.activationId ?? newActivationId();
      const outcome = this.behaviours.get(request.actionName)!(request.payload);
      if (outcome === 'throw') throw new Error('No invokers available');
      if (outcome === 'no-answer') return { kind: 'accepted', activationId };
      const record: ActivationRecord = {
        namespace: 'guest', name: request.actionName, subject: 'guest', activationId, start: 1000, end: 1010, duration: 10,
        ...(request.cause ? { cause: request.cause } : {}), response: outcome, logs: [], version: '0.0.1', publish: false, annotations: [],
      };
      await this.stores.activations.create(record);
      return { kind: 'completed', activationId, record };
    },
  };

  runner(compositionTimeLimitMs?: number): SequenceRunner {
    return new SequenceRunner({ invoker: this.invoker, activations: this.stores.activations, resolve: this.resolve, logger: silentLogger, now: () => this.now, ...(compositionTimeLimitMs ? { compositionTimeLimitMs } : {}) });
  }
}

async function run(runner: SequenceRunner, request: InvokeRequest, activationId = newActivationId(), acceptedAt = Date.now()): Promise<ActivationRecord> {
  const record = await runner.run({ ...request, activationId }, acceptedAt);
  if (!record) throw new Error('not recorded');
  return record;
}

/** A conductor that calls `inc` until n reaches `bound`, then answers `{done: n}`. */
const counting = (bound: number, component = 'inc'): Behaviour => (input) => {
  const { n, turns = 0 } = input as { n: number; turns?: number };
  return n >= bound ? ok({ params: { done: n, turns } }) : ok({ action: component, params: { n }, state: { turns: turns + 1 } });
};

describe('conductor turns (pure)', () => {
  it('reads a next step, boxing non-object params and state as OpenWhisk does', () => {
    expect(conductorDecision(ok({ action: 'a', params: { x: 1 }, state: { s: 2 } }))).toEqual({ kind: 'next', action: 'a', params: { x: 1 }, state: { s: 2 } });
    expect(conductorDecision(ok({ action: 'a', params: 5, state: 'k' }))).toEqual({ kind: 'next', action: 'a', params: { value: 5 }, state: { state: 'k' } });
    expect(conductorDecision(ok({ action: 'a' }))).toEqual({ kind: 'next', action: 'a', params: {}, state: undefined });
  });

  it('ends with params (or the whole result) when there is no action, and with a failed turn as it is', () => {
    expect(conductorDecision(ok({ params: { r: 1 }, state: {} }))).toEqual({ kind: 'end', response: ok({ r: 1 }) });
    expect(conductorDecision(ok({ r: 1 }))).toEqual({ kind: 'end', response: ok({ r: 1 }) });
    const failed = { statusCode: 2 as const, result: { error: 'boom' } };
    expect(conductorDecision(failed)).toEqual({ kind: 'end', response: failed });
  });

  it('calls an action that is not a non-empty string malformed', () => {
    expect(conductorDecision(ok({ action: 42 }))).toMatchObject({ kind: 'malformed', reason: expect.stringContaining('42') });
    expect(conductorDecision(ok({ action: ' ' }))).toMatchObject({ kind: 'malformed' });
  });

  it('merges the state over the component result for the next turn', () => {
    expect(conductorInput({ a: 1, s: 0 }, { s: 9 })).toEqual({ a: 1, s: 9 });
    expect(conductorInput([1], undefined)).toEqual({});
    expect(conductorInput('x', { s: 1 })).toEqual({ s: 1 });
  });

  it('resolves names as OpenWhisk does', () => {
    expect(resolveConductorName('a', 'me')).toEqual({ namespace: 'me', name: 'a' });
    expect(resolveConductorName('p/a', 'me')).toEqual({ namespace: 'me', pkg: 'p', name: 'a' });
    expect(resolveConductorName('/ns/a', 'me')).toEqual({ namespace: 'ns', name: 'a' });
    expect(resolveConductorName('/_/p/a', 'me')).toEqual({ namespace: 'me', pkg: 'p', name: 'a' });
    expect(resolveConductorName('a/b/c', 'me')).toBeUndefined();
  });
});

describe('SequenceRunner with conductor actions', () => {
  let dir: string;
  let stores: EmbeddedStores;
  let world: World;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wisp-comp-'));
    stores = await openEmbeddedStores({ dataDir: dir, logger: silentLogger });
    world = new World(stores);
  });

  afterEach(async () => {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loops conductor and component, carrying state, and records every step with derived ids', async () => {
    world.atomic('inc', (input) => ok({ n: (input as { n: number }).n + 1 }), 512);
    const request = world.conductor('loop', counting(3));
    const id = 'c'.repeat(32);
    const record = await run(world.runner(), request, id);
    expect(record.response).toEqual(ok({ done: 3, turns: 3 }));
    expect(world.requests.map((r) => r.actionName)).toEqual(['loop', 'inc', 'loop', 'inc', 'loop', 'inc', 'loop']);
    expect(world.requests.map((r) => r.conductorTurn === true)).toEqual([true, false, true, false, true, false, true]);
    expect(world.requests.every((r) => r.cause === id && r.causedBy === 'sequence')).toBe(true);
    expect(record.logs).toEqual(world.requests.map((_, i) => stepActivationId(id, i)));
    expect(record.duration).toBe(70);
    expect(annotation(record, 'conductor')).toBe(true);
    expect(annotation(record, 'kind')).toBe('sequence');
    expect(annotation(record, 'topmost')).toBe(true);
    expect(annotation(record, 'path')).toBe('guest/loop');
    expect(annotation(record, 'limits')).toEqual({ ...DEFAULT_LIMITS, timeout: 1000, memory: 512 });
  });

  it('a replay reads recorded steps back and runs only the rest', async () => {
    world.atomic('inc', (input) => ok({ n: (input as { n: number }).n + 1 }));
    const request = world.conductor('loop', counting(2));
    const id = 'd'.repeat(32);
    // A previous life ran the first turn and the first component, then died.
    await stores.activations.create({ namespace: 'guest', name: 'loop', subject: 'guest', activationId: stepActivationId(id, 0), start: 1, end: 2, duration: 1, cause: id, response: ok({ action: 'inc', params: { n: 0 }, state: { turns: 1 } }), logs: [], version: '0.0.1', publish: false, annotations: [] });
    await stores.activations.create({ namespace: 'guest', name: 'inc', subject: 'guest', activationId: stepActivationId(id, 1), start: 1, end: 2, duration: 1, cause: id, response: ok({ n: 1 }), logs: [], version: '0.0.1', publish: false, annotations: [] });
    const record = await run(world.runner(), request, id);
    expect(world.requests.map((r) => r.actionName)).toEqual(['loop', 'inc', 'loop']);
    expect(world.requests[0]!.activationId).toBe(stepActivationId(id, 2));
    expect(record.response).toEqual(ok({ done: 2, turns: 2 }));
    expect(record.logs).toHaveLength(5);
  });

  it('a component that fails ends the composition with its status and result', async () => {
    world.atomic('bad', () => ({ statusCode: 2, result: { error: 'crashed' } }));
    const record = await run(world.runner(), world.conductor('c', () => ok({ action: 'bad' })));
    expect(record.response).toEqual({ statusCode: 2, result: { error: 'crashed' } });
    expect(world.requests.map((r) => r.actionName)).toEqual(['c', 'bad']);
    expect(record.logs).toHaveLength(2);
  });

  it('a conductor that fails ends it with its own status', async () => {
    const record = await run(world.runner(), world.conductor('c', () => ({ statusCode: 1, result: { error: 'no' } })));
    expect(record.response).toEqual({ statusCode: 1, result: { error: 'no' } });
  });

  it('stops a loop past the step limit with OpenWhisk\'s message', async () => {
    world.atomic('inc', (input) => ok({ n: (input as { n: number }).n + 1 }));
    const record = await run(world.runner(), world.conductor('forever', counting(Infinity)));
    expect(record.response).toEqual({ statusCode: 1, result: { error: 'Too many actions in the composition.' } });
    expect(world.requests.filter((r) => r.actionName === 'inc')).toHaveLength(50);
    expect(record.logs).toHaveLength(101);
  });

  it('an unknown action or a malformed step is a developer error naming the step', async () => {
    const missing = await run(world.runner(), world.conductor('c1', () => ok({ action: 'nowhere' })));
    expect(missing.response).toEqual({ statusCode: 2, result: { error: "Composition step 2: action 'nowhere' does not exist or is not accessible." } });
    const malformed = await run(world.runner(), world.conductor('c2', () => ok({ action: ['x'] })));
    expect(malformed.response).toMatchObject({ statusCode: 2, result: { error: expect.stringMatching(/^Composition step 2: the conductor asked/) } });
  });

  it('runs no step past its total time limit', async () => {
    world.atomic('inc', (input) => {
      world.now += 600;
      return ok({ n: (input as { n: number }).n + 1 });
    });
    const record = await run(world.runner(1000), world.conductor('slow', counting(10)), newActivationId(), world.now);
    expect(record.response).toEqual({ statusCode: 2, result: { error: 'The composition did not finish within its time limit of 1 s.' } });
    expect(world.requests.map((r) => r.actionName)).toEqual(['slow', 'inc', 'slow', 'inc']);
  });

  it('a component that is itself a conductor runs inline as a nested composition', async () => {
    world.atomic('inc', (input) => ok({ n: (input as { n: number }).n + 1 }));
    world.conductor('inner', counting(2));
    const outer = world.conductor('outer', (input) => ((input as { done?: number }).done !== undefined ? ok({ params: { outer: input } }) : ok({ action: 'inner', params: { n: 0 } })));
    const id = 'e'.repeat(32);
    const record = await run(world.runner(), outer, id);
    expect(record.response).toEqual(ok({ outer: { done: 2, turns: 2 } }));
    const inner = await stores.activations.getById(stepActivationId(id, 1));
    expect(inner).toMatchObject({ cause: id, logs: expect.arrayContaining([]) });
    expect(inner!.logs).toHaveLength(5);
    expect(annotation(inner!, 'causedBy')).toBe('sequence');
    expect(annotation(inner!, 'conductor')).toBe(true);
  });
});
