import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStores, type EmbeddedStores } from '../common/adapters/embedded/embedded-stores';
import { createMemoryMessageBus } from '../common/adapters/memory/memory-message-bus';
import { createMemorySignalBus } from '../common/adapters/memory/memory-signal-bus';
import { newActivationId, newTransactionId } from '../common/ids';
import { createLogger, silentLogger, type Logger } from '../common/logging/logger';
import { createNaming, type Naming } from '../common/naming';
import { decodeHeartbeat, type Heartbeat } from '../common/protocol/heartbeat';
import type { Container, ContainerFactory, ContainerSpec } from '../common/spi/container-factory';
import type { MessageBus, ReceivedMessage } from '../common/spi/message-bus';
import type { SignalBus } from '../common/spi/signal-bus';
import { ProcessContainerFactory } from './containers/process-container-factory';
import { findLabelledProcesses } from './containers/process-labels';
import { loadInvokerConfig, type InvokerConfig } from './config';
import { createInvoker } from './create-invoker';
import { UNDECODABLE_NAMESPACE } from '../common/protocol/undecodable-record';
import type { InvokerService } from './invoker-service';
import { annotationOf, InvokerHarness } from '../test/harness/invoker-harness';
import { eventually } from '../test/harness/eventually';
import { testRuntimeProxies } from '../test/harness/runtime-proxies';
import { TEST_MESSAGE_KEY, TEST_MESSAGE_KEY_ENV } from '../test/harness/message-key';
import { ACTIVATION_MESSAGE_VERSION, encodeActivationMessage } from '../common/protocol/activation-message';
import { generateMessageKeyText, parseMessageKey } from '../common/protocol/message-seal';

// Real activations through the invoker: memory MessageBus and SignalBus, embedded stores, and
// the process ContainerFactory running the real nodejs runtime proxy as child processes.

jest.setTimeout(60000);

interface World {
  prefix: string;
  naming: Naming;
  bus: MessageBus;
  signals: SignalBus;
  stores: EmbeddedStores;
  dataDir: string;
  harness: InvokerHarness;
}

async function openWorld(): Promise<World> {
  const prefix = `wisp-test-${newTransactionId().slice(0, 10)}`;
  const naming = createNaming(prefix);
  const bus = createMemoryMessageBus({ logger: silentLogger });
  const signals = createMemorySignalBus({ logger: silentLogger });
  const dataDir = mkdtempSync(join(tmpdir(), 'wisp-invoker-'));
  const stores = await openEmbeddedStores({ dataDir, logger: silentLogger });
  const harness = new InvokerHarness({ naming, bus, signals, entities: stores.entities, activations: stores.activations });
  await harness.open();
  return { prefix, naming, bus, signals, stores, dataDir, harness };
}

async function closeWorld(world: World): Promise<void> {
  await world.harness.close();
  await world.bus.close();
  await world.signals.close();
  await world.stores.close();
  rmSync(world.dataDir, { recursive: true, force: true });
}

function startInvoker(
  world: World,
  env: Record<string, string> = {},
  wrap: (factory: ContainerFactory) => ContainerFactory = (factory) => factory,
  logger: Logger = silentLogger,
): { invoker: InvokerService; config: InvokerConfig } {
  const config = loadInvokerConfig({ ...TEST_MESSAGE_KEY_ENV, WISP_PREFIX: world.prefix, WISP_CONTAINER_FACTORY: 'process', WISP_INVOKER_DRAIN_MS: '5000', ...env });
  const factory = wrap(new ProcessContainerFactory({ invokerId: config.invokerId, naming: world.naming, logger, proxies: testRuntimeProxies(), baseEnv: { __OW_API_HOST: config.apiHostForActions } }));
  const invoker = createInvoker({
    config,
    bus: world.bus,
    signals: world.signals,
    entities: world.stores.entities,
    activations: world.stores.activations,
    factory,
    logger,
  });
  return { invoker, config };
}

describe('invoker service (memory buses, embedded stores, process containers)', () => {
  let world: World;
  let invoker: InvokerService;
  let config: InvokerConfig;
  const beats: Heartbeat[] = [];

  beforeAll(async () => {
    world = await openWorld();
    await world.signals.subscribe(world.naming.healthSubject(), (payload) => {
      const beat = decodeHeartbeat(payload);
      if (beat) beats.push(beat);
    });
    ({ invoker, config } = startInvoker(world));
    await invoker.start();
  });

  afterAll(async () => {
    await invoker.stop();
    expect(invoker.state).toBe('stopped');
    expect(await findLabelledProcesses(world.naming.containerLabels(config.invokerId))).toEqual([]);
    await closeWorld(world);
  });

  it('runs an action and records success with logs and annotations, then acks without logs', async () => {
    const action = await world.harness.deploy('hello', "function main(args) { console.log('hello', args.name); console.error('to stderr'); return { greeting: 'hi ' + args.name }; }");
    const message = world.harness.message(action, { name: 'wisp' });
    await world.harness.send(config.invokerId, message);
    const ack = await world.harness.waitForAck(message.activationId);
    expect(ack.invokerId).toBe('invoker0');
    expect(ack.record?.logs).toEqual([]);
    expect(ack.record?.response).toEqual({ statusCode: 0, result: { greeting: 'hi wisp' }, size: 22 });

    const record = (await world.stores.activations.getById(message.activationId))!;
    expect(record).toMatchObject({ namespace: 'guest', name: 'hello', subject: 'guest', version: '0.0.1', publish: false });
    expect(record.response).toEqual({ statusCode: 0, result: { greeting: 'hi wisp' }, size: 22 });
    expect(record.logs).toHaveLength(2);
    expect(record.logs[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z +stdout: hello wisp$/);
    expect(record.logs[1]).toMatch(/ stderr: to stderr$/);
    expect(record.end).toBeGreaterThanOrEqual(record.start);
    expect(record.duration).toBe(record.end - record.start);
    expect(annotationOf(record, 'path')).toBe('guest/hello');
    expect(annotationOf(record, 'kind')).toBe('nodejs:20');
    expect(annotationOf(record, 'timeout')).toBe(false);
    expect(annotationOf(record, 'limits')).toEqual(action.doc.limits);
    expect(annotationOf(record, 'waitTime')).toEqual(expect.any(Number));
    expect(annotationOf(record, 'initTime')).toEqual(expect.any(Number));
  });

  it('publishes each record it created as one OpenWhisk user event', async () => {
    const events: Record<string, unknown>[] = [];
    await world.bus.ensureTopic(world.naming.userEventsTopic());
    const subscription = await world.bus.subscribe({
      topic: world.naming.userEventsTopic(),
      groupId: `${world.prefix}-events-reader`,
      onMessage: (m) => void events.push(JSON.parse(m.value.toString()) as Record<string, unknown>),
    });
    try {
      const action = await world.harness.deploy('evented', 'function main() { return { ok: true }; }');
      const message = world.harness.message(action, {});
      await world.harness.send(config.invokerId, message);
      await world.harness.waitForAck(message.activationId);
      const event = await eventually(async () => events.find((e) => (e.body as { activationId: string }).activationId === message.activationId));
      expect(event).toMatchObject({
        source: 'invoker0',
        eventType: 'Activation',
        namespace: 'guest',
        subject: 'guest',
        body: { name: 'guest/evented', activationId: message.activationId, statusCode: 0, kind: 'nodejs:20', conductor: false, memory: 256, waitTime: expect.any(Number), duration: expect.any(Number) },
      });
    } finally {
      await subscription.close();
    }
  });

  it('hands the activation context to the action as strings', async () => {
    const action = await world.harness.deploy(
      'context',
      'function main() { return { ns: process.env.__OW_NAMESPACE, name: process.env.__OW_ACTION_NAME, id: process.env.__OW_ACTIVATION_ID, deadline: process.env.__OW_DEADLINE, key: process.env.__OW_API_KEY, host: process.env.__OW_API_HOST }; }',
      { annotations: [{ key: 'provide-api-key', value: true }] },
    );
    const message = world.harness.message(action);
    await world.harness.send(config.invokerId, message);
    const record = await world.harness.recordAfterAck(message.activationId);
    expect(record.response.result).toEqual({
      ns: 'guest',
      name: '/guest/context',
      id: message.activationId,
      deadline: expect.stringMatching(/^\d{13}$/),
      key: message.user.authKey,
      host: 'http://127.0.0.1:3233',
    });
  });

  it('keeps the caller key from an action that did not ask for it with provide-api-key', async () => {
    const action = await world.harness.deploy('nokey', 'function main() { return { key: process.env.__OW_API_KEY ?? null }; }');
    const message = world.harness.message(action);
    await world.harness.send(config.invokerId, message);
    const record = await world.harness.recordAfterAck(message.activationId);
    expect(record.response.result).toEqual({ key: null });
  });

  it('reuses the warm container for the second activation (no initTime)', async () => {
    const action = await world.harness.deploy('counter', 'let n = 0; function main() { n += 1; return { n }; }');
    const first = await world.harness.invoke(config.invokerId, action);
    const second = await world.harness.invoke(config.invokerId, action);
    expect(first.response.result).toEqual({ n: 1 });
    expect(annotationOf(first, 'initTime')).toEqual(expect.any(Number));
    expect(second.response.result).toEqual({ n: 2 });
    expect(annotationOf(second, 'initTime')).toBeUndefined();
  });

  it('records an application error', async () => {
    const action = await world.harness.deploy('apperror', "function main() { return { error: 'bad input', detail: 1 }; }");
    const record = await world.harness.invoke(config.invokerId, action);
    expect(record.response).toEqual({ statusCode: 1, result: { error: 'bad input' }, size: 32 });
  });

  it('records a thrown error as a developer error and does not reuse the container', async () => {
    const action = await world.harness.deploy('thrower', "let n = 0; function main(args) { n += 1; if (args.fail) throw new Error('boom'); return { n }; }");
    const record = await world.harness.invoke(config.invokerId, action, { fail: true });
    expect(record.response).toEqual({ statusCode: 2, result: { error: 'An error has occurred: Error: boom' } });
    expect(record.logs.at(-1)).toMatch(/stderr: The action did not initialize or run as expected\. Log data might be missing\.$/);
    // A fresh container: its counter starts again.
    const after = await world.harness.invoke(config.invokerId, action, { fail: false });
    expect(after.response.result).toEqual({ n: 1 });
    expect(annotationOf(after, 'initTime')).toEqual(expect.any(Number));
  });

  it('records a non-object result as a developer error', async () => {
    const action = await world.harness.deploy('scalar', 'function main() { return 42; }');
    const record = await world.harness.invoke(config.invokerId, action);
    expect(record.response).toEqual({ statusCode: 2, result: { error: 'The action did not return a dictionary.' } });
  });

  it('records a timeout, marks it, and replaces the container', async () => {
    const action = await world.harness.deploy(
      'sleeper',
      'function main(args) { return new Promise((resolve) => setTimeout(() => resolve({ slept: args.ms }), args.ms)); }',
      { limits: { timeout: 300 } },
    );
    const started = Date.now();
    // The action would sleep 10 s: an answer sooner (with room for a slow cold start) is the timeout's.
    const record = await world.harness.invoke(config.invokerId, action, { ms: 10_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(record.response).toEqual({ statusCode: 2, result: { error: 'The action exceeded its time limits of 300 milliseconds.' } });
    expect(annotationOf(record, 'timeout')).toBe(true);
    expect(record.duration).toBeGreaterThanOrEqual(300);
    const quick = await world.harness.invoke(config.invokerId, action, { ms: 1 });
    expect(quick.response).toMatchObject({ statusCode: 0, result: { slept: 1 } });
    expect(annotationOf(quick, 'initTime')).toEqual(expect.any(Number));
  });

  it('records an init failure (syntax error) as a developer error', async () => {
    const action = await world.harness.deploy('broken', 'function main( { return {}; }');
    const record = await world.harness.invoke(config.invokerId, action);
    expect(record.response.statusCode).toBe(2);
    expect((record.response.result as { error: string }).error).toMatch(/^Initialization has failed due to: .*SyntaxError/s);
    expect(annotationOf(record, 'initTime')).toEqual(expect.any(Number));
  });

  it('records a whisk internal error when the action is gone', async () => {
    const action = await world.harness.deploy('ephemeral', 'function main() { return {}; }');
    await world.stores.entities.delete('guest', 'ephemeral');
    const record = await world.harness.invoke(config.invokerId, action);
    expect(record.response).toEqual({ statusCode: 3, result: { error: 'Action could not be found or may have been deleted.' } });
    expect(record.duration).toBe(0);
  });

  it('records a whisk internal error when a worker hits a bug, marks the message done and keeps serving', async () => {
    const action = await world.harness.deploy('unlucky', 'function main() { return { ok: true }; }');
    const store = world.stores.activations as unknown as { claim: (...args: unknown[]) => Promise<unknown> };
    const claim = store.claim;
    let bugs = 1;
    // A store answer no code path expects: admission then throws a TypeError, a bug, outside any retry.
    store.claim = (...args: unknown[]) => (bugs-- > 0 ? Promise.resolve(null) : claim.apply(world.stores.activations, args));
    try {
      const record = await world.harness.invoke(config.invokerId, action);
      expect(record.response).toEqual({ statusCode: 3, result: { error: 'An internal error occurred while running the action.' } });
    } finally {
      store.claim = claim;
    }
    expect((await world.harness.invoke(config.invokerId, action)).response).toMatchObject({ statusCode: 0, result: { ok: true } });
  });

  it('records a whisk internal error for a message it cannot decode but whose id it can read', async () => {
    const activationId = newActivationId();
    const broken = { v: ACTIVATION_MESSAGE_VERSION, activationId, transid: 't1', controllerId: world.harness.controllerId, user: { namespace: 'guest', subject: 'guest' }, action: { name: 'x' } };
    await world.harness.send(config.invokerId, Buffer.from(JSON.stringify(broken)));
    const record = await world.harness.recordAfterAck(activationId);
    expect(record).toMatchObject({ namespace: 'guest', subject: 'guest', name: 'x', activationId });
    expect(record.response).toEqual({
      statusCode: 3,
      result: { error: 'The activation message could not be decoded (missing or invalid action); the action was not run.' },
    });

    const anonymous = newActivationId();
    await world.harness.send(config.invokerId, Buffer.from(JSON.stringify({ v: 99, activationId: anonymous, controllerId: world.harness.controllerId })));
    expect((await world.harness.recordAfterAck(anonymous)).namespace).toBe(UNDECODABLE_NAMESPACE);
  });

  it('records a whisk internal error for a message sealed under another key or altered, and keeps serving', async () => {
    const action = await world.harness.deploy('sealed', 'function main(args) { return { got: args.secret }; }');
    const foreign = world.harness.message(action, { secret: 'p' });
    await world.harness.send(config.invokerId, encodeActivationMessage(foreign, parseMessageKey(generateMessageKeyText())!));
    const tampered = world.harness.message(action, { secret: 'p' });
    const wire = JSON.parse(encodeActivationMessage(tampered, TEST_MESSAGE_KEY).toString()) as { sealed: string };
    const bytes = Buffer.from(wire.sealed, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    await world.harness.send(config.invokerId, Buffer.from(JSON.stringify({ ...wire, sealed: bytes.toString('base64') })));
    const reason = 'The activation message could not be decoded (its sealed fields do not open: sealed under another WISP_MESSAGE_KEY, or altered); the action was not run.';
    for (const message of [foreign, tampered]) {
      const record = await world.harness.recordAfterAck(message.activationId);
      expect(record).toMatchObject({ namespace: 'guest', subject: 'guest', activationId: message.activationId });
      expect(record.response).toEqual({ statusCode: 3, result: { error: reason } });
    }
    expect((await world.harness.invoke(config.invokerId, action, { secret: 'fine' })).response.result).toEqual({ got: 'fine' });
  });

  it('dead-letters a message without a readable id and keeps consuming', async () => {
    const deadLetters: ReceivedMessage[] = [];
    const reader = await world.bus.subscribe({
      topic: world.naming.deadLetterTopic(),
      groupId: `${world.prefix}.dead-letter-reader`,
      onMessage: (message) => {
        deadLetters.push(message);
      },
    });
    try {
      const before = invoker.stats.deadLettered;
      await world.harness.send(config.invokerId, Buffer.from('not json at all'));
      const action = await world.harness.deploy('after-garbage', 'function main() { return { ok: true }; }');
      expect((await world.harness.invoke(config.invokerId, action)).response.statusCode).toBe(0);
      await waitUntil(() => deadLetters.length === 1);
      expect(deadLetters[0]!.value.toString()).toBe('not json at all');
      expect(deadLetters[0]!.headers['wisp-dead-letter-reason']).toBe('not JSON');
      expect(deadLetters[0]!.headers['wisp-source-topic']).toBe(world.naming.invokerTopic(config.invokerId));
      expect(invoker.stats.deadLettered).toBe(before + 1);
    } finally {
      await reader.close();
    }
  });

  it('runs a duplicate delivery of the same activation id once', async () => {
    const action = await world.harness.deploy('once', "function main() { console.log('ran'); return new Promise((r) => setTimeout(() => r({ ok: true }), 200)); }");
    const message = world.harness.message(action);
    const heldBefore = invoker.stats.claimsHeld;
    const completedBefore = invoker.stats.completed;
    await world.harness.send(config.invokerId, message, message);
    const record = await world.harness.recordAfterAck(message.activationId);
    expect(record.response.statusCode).toBe(0);
    await waitUntil(() => invoker.stats.claimsHeld === heldBefore + 1);
    // The second delivery waits for the first one's record, then finishes without running.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(invoker.stats.completed).toBe(completedBefore + 1);
    expect(world.harness.acks.get(message.activationId)).toHaveLength(1);
    expect(invoker.stats.duplicates).toBe(0);
  });

  it('sends heartbeats with free memory and consumer health', async () => {
    await waitUntil(() => beats.length >= 2);
    const beat = beats.at(-1)!;
    expect(beat).toMatchObject({ v: 2, invokerId: 'invoker0', userMemoryMb: 4096, consumer: { state: 'running' }, gpus: [], gpuWarm: [] });
    expect(beat.freeMemoryMb).toBeGreaterThan(0);
    expect(beat.freeMemoryMb).toBeLessThanOrEqual(4096);
  });
});

describe('invoker service backpressure', () => {
  it('pauses fetching when the queue is full and resumes as it drains', async () => {
    const world = await openWorld();
    // 256 MB fits one 256 MB container at a time; two activations in flight, the rest queued.
    const { invoker, config } = startInvoker(world, { WISP_INVOKER_ID: 'invoker1', WISP_INVOKER_USER_MEMORY_MB: '256', WISP_INVOKER_QUEUE_CAPACITY: '2' });
    await invoker.start();
    try {
      const action = await world.harness.deploy('slow', 'function main(args) { return new Promise((r) => setTimeout(() => r({ i: args.i }), 50)); }');
      const messages = Array.from({ length: 8 }, (_, i) => world.harness.message(action, { i }));
      await world.harness.send(config.invokerId, ...messages);
      const records = await Promise.all(messages.map((m) => world.harness.recordAfterAck(m.activationId)));
      expect(records.map((r) => r.response.result)).toEqual(messages.map((_, i) => ({ i })));
      expect(invoker.stats.pauses).toBeGreaterThanOrEqual(1);
      expect(invoker.stats.completed).toBe(8);
      // One container served everything after the first cold start.
      expect(records.filter((r) => annotationOf(r, 'initTime') !== undefined)).toHaveLength(1);
    } finally {
      await invoker.stop();
      expect(await findLabelledProcesses(world.naming.containerLabels(config.invokerId))).toEqual([]);
      await closeWorld(world);
    }
  });
});

/** The real process factory, recording the spec of every container it is asked to create (and when), and which are up. */
function recordingCreates(created: ContainerSpec[], up: ContainerSpec[] = [], askedAt: number[] = []): (factory: ContainerFactory) => ContainerFactory {
  return (factory) => ({
    capabilities: factory.capabilities,
    init: () => factory.init(),
    close: () => factory.close(),
    create: async (spec) => {
      created.push(spec);
      askedAt.push(Date.now());
      const container = await factory.create(spec);
      up.push(spec);
      return container;
    },
  });
}

describe('invoker service stem cells', () => {
  it('serves a cold start from a prewarmed stem cell without creating a container, then refills', async () => {
    const world = await openWorld();
    const created: ContainerSpec[] = [];
    const up: ContainerSpec[] = [];
    const { invoker, config } = startInvoker(world, { WISP_INVOKER_ID: 'invoker4', WISP_INVOKER_USER_MEMORY_MB: '1024' }, recordingCreates(created, up));
    await invoker.start();
    try {
      const stems = () => created.filter((spec) => spec.name.includes('_prewarm_nodejs_'));
      await waitUntil(() => stems().length === 1);
      expect(stems()[0]).toMatchObject({ family: 'nodejs', memoryMb: 256 });
      // The stem cell is ready before the first activation arrives.
      await waitUntil(() => up.length === 1);

      const action = await world.harness.deploy('prewarmed', "let n = 0; function main() { n += 1; console.log('run', n); return { n }; }");
      const first = await world.harness.invoke(config.invokerId, action);
      expect(first.response.result).toEqual({ n: 1 });
      expect(first.logs).toHaveLength(1);
      expect(annotationOf(first, 'initTime')).toEqual(expect.any(Number));
      expect(annotationOf(first, 'startKind')).toBe('prewarmed');
      // No container was created for the activation: only stem cells, and the one taken is being replaced.
      expect(created.every((spec) => spec.name.includes('_prewarm_nodejs_'))).toBe(true);
      await waitUntil(() => stems().length === 2);

      // A 512 MB action has no stem cells: it creates its own container.
      const large = await world.harness.deploy('large', 'function main() { return { ok: true }; }', { limits: { memory: 512 } });
      const largeRecord = await world.harness.invoke(config.invokerId, large);
      expect(largeRecord.response.statusCode).toBe(0);
      expect(annotationOf(largeRecord, 'startKind')).toBe('cold');
      expect(created.filter((spec) => !spec.name.includes('_prewarm_'))).toEqual([expect.objectContaining({ memoryMb: 512 })]);
      // The warm container still serves the first action; the refilled stem cell is untouched.
      const again = await world.harness.invoke(config.invokerId, action);
      expect(again.response.result).toEqual({ n: 2 });
      expect(annotationOf(again, 'startKind')).toBe('warm');
      expect(stems()).toHaveLength(2);
    } finally {
      await invoker.stop();
      expect(await findLabelledProcesses(world.naming.containerLabels(config.invokerId))).toEqual([]);
      await closeWorld(world);
    }
  });

  it('gives each container, stem cells included, its own proxy token, which no log line shows', async () => {
    const world = await openWorld();
    const lines: string[] = [];
    const logger = createLogger({ service: 'invoker', level: 'debug', destination: { write: (line: string) => void lines.push(line) } });
    const containers: Container[] = [];
    const recording = (factory: ContainerFactory): ContainerFactory => ({
      capabilities: factory.capabilities,
      init: () => factory.init(),
      close: () => factory.close(),
      create: async (spec) => {
        const container = await factory.create(spec);
        containers.push(container);
        return container;
      },
    });
    const { invoker, config } = startInvoker(world, { WISP_INVOKER_ID: 'invoker8', WISP_INVOKER_USER_MEMORY_MB: '1024' }, recording, logger);
    await invoker.start();
    try {
      // The runtime proxies refuse a request without the token: every activation served proves
      // that the invoker sent its container's token, the stem cell's too.
      await waitUntil(() => containers.length === 1);
      expect(containers[0]!.name).toContain('_prewarm_nodejs_');
      const prewarmed = await world.harness.deploy('tokened', "let n = 0; function main() { n += 1; console.log('run', n); return { n }; }");
      expect((await world.harness.invoke(config.invokerId, prewarmed)).response.result).toEqual({ n: 1 });
      expect((await world.harness.invoke(config.invokerId, prewarmed)).response.result).toEqual({ n: 2 });
      const own = await world.harness.deploy('own-container', "function main() { throw new Error('boom'); }", { limits: { memory: 512 } });
      expect((await world.harness.invoke(config.invokerId, own)).response.statusCode).toBe(2);
      await waitUntil(() => containers.length >= 3);
      const tokens = containers.map((c) => c.proxyToken);
      expect(new Set(tokens).size).toBe(tokens.length);
      expect(lines.length).toBeGreaterThan(0);
    } finally {
      await invoker.stop();
      await closeWorld(world);
    }
    const logged = lines.join('');
    for (const container of containers) expect(logged).not.toContain(container.proxyToken);
  });

  it('creates no stem cells when prewarming is off', async () => {
    const world = await openWorld();
    const created: ContainerSpec[] = [];
    const { invoker, config } = startInvoker(world, { WISP_INVOKER_ID: 'invoker5', WISP_INVOKER_PREWARM_NODEJS: '0' }, recordingCreates(created));
    await invoker.start();
    try {
      const action = await world.harness.deploy('unprewarmed', 'function main() { return { ok: true }; }');
      expect((await world.harness.invoke(config.invokerId, action)).response.statusCode).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(created).toHaveLength(1);
      expect(created[0]!.name).not.toContain('_prewarm_');
    } finally {
      await invoker.stop();
      await closeWorld(world);
    }
  });
});

interface PauseFaults {
  /** The next resume fails after resuming. */
  failResume: boolean;
  /** Every resume takes this much longer, so that several holders can wait for one. */
  resumeDelayMs?: number;
}

/** The real process factory, its containers recording pause and resume, with faults injected into resume. */
function recordingPauses(events: string[], faults: PauseFaults): (factory: ContainerFactory) => ContainerFactory {
  return (factory) => ({
    capabilities: factory.capabilities,
    init: () => factory.init(),
    close: () => factory.close(),
    create: async (spec) => {
      const container = await factory.create(spec);
      events.push(`create ${container.id}`);
      return {
        id: container.id,
        name: container.name,
        baseUrl: container.baseUrl,
        proxyToken: container.proxyToken,
        pause: async () => {
          await container.pause();
          events.push(`pause ${container.id}`);
        },
        resume: async () => {
          if (faults.resumeDelayMs) await new Promise((resolve) => setTimeout(resolve, faults.resumeDelayMs));
          await container.resume();
          events.push(`resume ${container.id}`);
          if (faults.failResume) {
            faults.failResume = false;
            throw new Error('injected resume failure');
          }
        },
        destroy: () => container.destroy(),
        collectLogs: (options) => container.collectLogs(options),
        status: () => container.status(),
      };
    },
  });
}

/** The state letter of a process in /proc (T: stopped), or undefined when it is gone. */
function processState(pid: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
  } catch {
    return undefined;
  }
}

describe('invoker service pause and resume', () => {
  let world: World;
  let invoker: InvokerService;
  let config: InvokerConfig;
  const events: string[] = [];
  const faults: PauseFaults = { failResume: false };

  beforeAll(async () => {
    world = await openWorld();
    const env = { WISP_INVOKER_ID: 'invoker6', WISP_INVOKER_PREWARM_NODEJS: '0', WISP_INVOKER_PAUSE_GRACE_MS: '30' };
    ({ invoker, config } = startInvoker(world, env, recordingPauses(events, faults)));
    await invoker.start();
  });

  afterAll(async () => {
    await invoker.stop();
    expect(await findLabelledProcesses(world.naming.containerLabels(config.invokerId))).toEqual([]);
    await closeWorld(world);
  });

  it('pauses an idle container after the grace, resumes it for the next activation, which runs warm', async () => {
    const action = await world.harness.deploy('pausable', "let n = 0; function main() { n += 1; console.log('run', n); return { n }; }");
    const first = await world.harness.invoke(config.invokerId, action);
    expect(first.response.result).toEqual({ n: 1 });
    const pid = events.find((e) => e.startsWith('create '))!.split(' ')[1]!;
    await waitUntil(() => events.includes(`pause ${pid}`));
    expect(processState(pid)).toBe('T');

    events.length = 0;
    const second = await world.harness.invoke(config.invokerId, action);
    expect(second.response.result).toEqual({ n: 2 });
    expect(second.logs).toEqual([expect.stringMatching(/stdout: run 2$/)]);
    expect(annotationOf(second, 'initTime')).toBeUndefined();
    expect(events[0]).toBe(`resume ${pid}`);
    expect(events.filter((e) => e.startsWith('create '))).toEqual([]);
    // Idle again: paused again.
    await waitUntil(() => events.includes(`pause ${pid}`));
    expect(processState(pid)).toBe('T');
  });

  it('does not pause a container used again within the grace', async () => {
    // An invoker of its own with a grace no gap between two invokes reaches on a loaded machine
    // (with the 30 ms one above, a slow harness round trip was enough to pause and resume).
    const ownEvents: string[] = [];
    const env = { WISP_INVOKER_ID: 'invoker8', WISP_INVOKER_PREWARM_NODEJS: '0', WISP_INVOKER_PAUSE_GRACE_MS: '20000' };
    const own = startInvoker(world, env, recordingPauses(ownEvents, { failResume: false }));
    await own.invoker.start();
    try {
      const action = await world.harness.deploy('busy', 'function main() { return { ok: true }; }');
      for (let i = 0; i < 5; i += 1) expect((await world.harness.invoke(own.config.invokerId, action)).response.statusCode).toBe(0);
      expect(ownEvents.filter((e) => e.startsWith('create '))).toHaveLength(1);
      expect(ownEvents.filter((e) => e.startsWith('pause ') || e.startsWith('resume '))).toEqual([]);
    } finally {
      await own.invoker.stop();
    }
  });

  it('replaces a container that fails to resume with a cold start', async () => {
    const action = await world.harness.deploy('unresumable', 'let n = 0; function main() { n += 1; return { n }; }');
    events.length = 0;
    expect((await world.harness.invoke(config.invokerId, action)).response.result).toEqual({ n: 1 });
    const pid = events.find((e) => e.startsWith('create '))!.split(' ')[1]!;
    await waitUntil(() => events.includes(`pause ${pid}`));
    faults.failResume = true;
    const after = await world.harness.invoke(config.invokerId, action);
    // A fresh container: its counter starts again and it was initialised.
    expect(after.response.result).toEqual({ n: 1 });
    expect(annotationOf(after, 'initTime')).toEqual(expect.any(Number));
    await waitUntil(() => processState(pid) === undefined);
  });

  it('replaces a shared container that fails to resume under several holders with one container, which serves them all', async () => {
    const action = await world.harness.deploy(
      'unresumable-shared',
      'let n = 0; async function main() { const mine = ++n; await new Promise((r) => setTimeout(r, 50)); return { n: mine, pid: process.pid }; }',
      { limits: { concurrency: 3 } },
    );
    events.length = 0;
    const warmup = await world.harness.invoke(config.invokerId, action);
    const pid = (warmup.response.result as { pid: number }).pid;
    await waitUntil(() => events.includes(`pause ${pid}`));
    events.length = 0;
    // The resume is slow and then fails: all three calls are handed the paused container meanwhile.
    Object.assign(faults, { failResume: true, resumeDelayMs: 300 });
    try {
      const messages = [1, 2, 3].map((i) => world.harness.message(action, { i }));
      await world.harness.send(config.invokerId, ...messages);
      const records = await Promise.all(messages.map((m) => world.harness.recordAfterAck(m.activationId)));
      expect(events.filter((e) => e.startsWith('create '))).toHaveLength(1);
      const replacement = Number(events.find((e) => e.startsWith('create '))!.split(' ')[1]);
      for (const record of records) expect(record.response).toMatchObject({ statusCode: 0, result: { pid: replacement } });
      // One of them initialised the replacement; the others waited for it.
      expect(records.filter((r) => annotationOf(r, 'initTime') !== undefined)).toHaveLength(1);
      expect(records.map((r) => (r.response.result as { n: number }).n).sort()).toEqual([1, 2, 3]);
      await waitUntil(() => processState(String(pid)) === undefined);
    } finally {
      Object.assign(faults, { failResume: false, resumeDelayMs: 0 });
    }
  });
});

describe('invoker service intra-container concurrency', () => {
  it('runs parallel activations of a nodejs action with concurrency > 1 in one container, each with only its own logs', async () => {
    const world = await openWorld();
    const created: ContainerSpec[] = [];
    const { invoker, config } = startInvoker(world, { WISP_INVOKER_ID: 'invoker7', WISP_INVOKER_PREWARM_NODEJS: '0' }, recordingCreates(created));
    await invoker.start();
    try {
      const action = await world.harness.deploy(
        'overlapping',
        `let running = 0;
         async function main(args) {
           running += 1;
           const seen = running;
           console.log('start', args.i);
           await new Promise((r) => setTimeout(r, 150));
           console.error('middle', args.i);
           process.stdout.write('partial ' + args.i);
           await new Promise((r) => setTimeout(r, 10));
           console.log(' end', args.i);
           running -= 1;
           return { pid: process.pid, seen };
         }`,
        { limits: { concurrency: 4 } },
      );
      const warmup = await world.harness.invoke(config.invokerId, action, { i: 0 });
      expect(warmup.logs.map((l) => l.replace(/^\S+ +/, ''))).toEqual(['stdout: start 0', 'stderr: middle 0', 'stdout: partial 0 end 0']);
      expect(created).toHaveLength(1);
      expect(created[0]!.env).toMatchObject({ __OW_ALLOW_CONCURRENT: 'true' });

      const messages = [1, 2, 3, 4].map((i) => world.harness.message(action, { i }));
      await world.harness.send(config.invokerId, ...messages);
      const records = await Promise.all(messages.map((m) => world.harness.recordAfterAck(m.activationId)));
      expect(created).toHaveLength(1);
      const pid = (warmup.response.result as { pid: number }).pid;
      for (const [index, record] of records.entries()) {
        const i = index + 1;
        expect(record.response.result).toMatchObject({ pid });
        expect(annotationOf(record, 'initTime')).toBeUndefined();
        expect(record.logs.map((l) => l.replace(/^\S+ +/, ''))).toEqual([`stdout: start ${i}`, `stderr: middle ${i}`, `stdout: partial ${i} end ${i}`]);
      }
      // They overlapped: some run saw others running.
      expect(Math.max(...records.map((r) => (r.response.result as { seen: number }).seen))).toBeGreaterThan(1);
    } finally {
      await invoker.stop();
      await closeWorld(world);
    }
  });

  it('starts one container for a burst of first calls: the others join its start and run without an /init of their own', async () => {
    const world = await openWorld();
    const created: ContainerSpec[] = [];
    const { invoker, config } = startInvoker(world, { WISP_INVOKER_ID: 'invoker8', WISP_INVOKER_PREWARM_NODEJS: '0' }, recordingCreates(created));
    await invoker.start();
    try {
      const action = await world.harness.deploy(
        'burst',
        "let inits = 0; inits += 1; async function main(args) { console.log('run', args.i); await new Promise((r) => setTimeout(r, 100)); return { pid: process.pid, inits, i: args.i }; }",
        { limits: { concurrency: 5 } },
      );
      const messages = [1, 2, 3, 4, 5].map((i) => world.harness.message(action, { i }));
      await world.harness.send(config.invokerId, ...messages);
      const records = await Promise.all(messages.map((m) => world.harness.recordAfterAck(m.activationId)));
      expect(created).toHaveLength(1);
      const pids = new Set(records.map((r) => (r.response.result as { pid: number }).pid));
      expect(pids.size).toBe(1);
      for (const [index, record] of records.entries()) {
        expect(record.response).toMatchObject({ statusCode: 0, result: { inits: 1, i: index + 1 } });
        expect(record.logs.map((l) => l.replace(/^\S+ +/, ''))).toEqual([`stdout: run ${index + 1}`]);
      }
      // Only the activation that started the container sent /init.
      expect(records.filter((r) => annotationOf(r, 'initTime') !== undefined)).toHaveLength(1);
    } finally {
      await invoker.stop();
      expect(await findLabelledProcesses(world.naming.containerLabels(config.invokerId))).toEqual([]);
      await closeWorld(world);
    }
  });

  it('when the start a burst joined fails its /init, each joined activation starts its own and records its init failure', async () => {
    const world = await openWorld();
    const created: ContainerSpec[] = [];
    const askedAt: number[] = [];
    const { invoker, config } = startInvoker(world, { WISP_INVOKER_ID: 'invoker9', WISP_INVOKER_PREWARM_NODEJS: '0' }, recordingCreates(created, [], askedAt));
    await invoker.start();
    try {
      const action = await world.harness.deploy('broken-burst', 'function main( { return {}; }', { limits: { concurrency: 5 } });
      const messages = [1, 2, 3, 4, 5].map((i) => world.harness.message(action, { i }));
      await world.harness.send(config.invokerId, ...messages);
      // Every one ends with a record (an ack within the harness's wait, none hangs).
      const records = await Promise.all(messages.map((m) => world.harness.recordAfterAck(m.activationId)));
      for (const record of records) {
        expect(record.response.statusCode).toBe(2);
        expect((record.response.result as { error: string }).error).toMatch(/^Initialization has failed due to: .*SyntaxError/s);
        expect(annotationOf(record, 'initTime')).toEqual(expect.any(Number));
      }
      // The first start, then one of its own for each activation that had joined it, begun only
      // once the first /init had failed.
      expect(created).toHaveLength(5);
      const firstFailed = Math.min(...records.map((r) => r.end));
      for (const at of askedAt.slice(1)) expect(at).toBeGreaterThanOrEqual(firstFailed);
      expect(invoker.stats.completed).toBe(5);
    } finally {
      await invoker.stop();
      expect(await findLabelledProcesses(world.naming.containerLabels(config.invokerId))).toEqual([]);
      await closeWorld(world);
    }
  });
});

describe('invoker service shutdown', () => {
  it('lets a running activation finish within the drain time', async () => {
    const world = await openWorld();
    const { invoker, config } = startInvoker(world, { WISP_INVOKER_ID: 'invoker2' });
    await invoker.start();
    try {
      const action = await world.harness.deploy('drained', "function main() { console.log('started'); return new Promise((r) => setTimeout(() => r({ finished: true }), 400)); }");
      const message = world.harness.message(action);
      await world.harness.send(config.invokerId, message);
      await waitUntil(() => invoker.stats.received === 1);
      await new Promise((resolve) => setTimeout(resolve, 150));
      await invoker.stop();
      const record = await world.harness.recordAfterAck(message.activationId);
      expect(record.response.result).toEqual({ finished: true });
    } finally {
      await invoker.stop();
      expect(await findLabelledProcesses(world.naming.containerLabels(config.invokerId))).toEqual([]);
      await closeWorld(world);
    }
  });

  it("abandons what outlasts the drain time; the id's next life takes the live claim over and runs it again", async () => {
    const world = await openWorld();
    const env = { WISP_INVOKER_ID: 'invoker3', WISP_INVOKER_DRAIN_MS: '50', WISP_INVOKER_CLAIM_GRACE_MS: '0' };
    const first = startInvoker(world, env);
    await first.invoker.start();
    try {
      // Timeout 5 s: the claim lives 2 × 5 s, long enough for the next life to start on a loaded
      // machine and find it live; the run takes 1.5 s, far past the 50 ms drain.
      const action = await world.harness.deploy('abandoned', 'function main() { return new Promise((r) => setTimeout(() => r({ done: true }), 1500)); }', { limits: { timeout: 5000 } });
      const message = world.harness.message(action);
      await world.harness.send(first.config.invokerId, message);
      // Claimed and running, not merely fetched.
      await waitUntil(() => first.invoker.runningCount() === 1);
      await first.invoker.stop();
      expect(first.invoker.stats.completed).toBe(0);
      expect(await world.stores.activations.getById(message.activationId)).toBeUndefined();

      const second = startInvoker(world, env);
      await second.invoker.start();
      try {
        const record = await world.harness.recordAfterAck(message.activationId);
        expect(record.response.result).toEqual({ done: true });
        expect(annotationOf(record, 'attempt')).toBe(2);
        expect(second.invoker.stats).toMatchObject({ claimsHeld: 0, claimsTakenOver: 1, retries: 1, completed: 1 });
      } finally {
        await second.invoker.stop();
      }
    } finally {
      await first.invoker.stop();
      expect(await findLabelledProcesses(world.naming.containerLabels(first.config.invokerId))).toEqual([]);
      await closeWorld(world);
    }
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
