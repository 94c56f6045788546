import Dockerode from 'dockerode';
import { createKafkaMessageBus } from '../common/adapters/kafka/kafka-message-bus';
import { createNatsSignalBus } from '../common/adapters/nats/nats-signal-bus';
import { createRedisActivationStore } from '../common/adapters/redis/redis-activation-store';
import { createRedisEntityStore } from '../common/adapters/redis/redis-entity-store';
import { newActivationId, newTransactionId } from '../common/ids';
import { silentLogger } from '../common/logging/logger';
import { createNaming } from '../common/naming';
import type { ActivationStore } from '../common/spi/activation-store';
import type { EntityStore } from '../common/spi/entity-store';
import type { MessageBus, ReceivedMessage } from '../common/spi/message-bus';
import type { SignalBus } from '../common/spi/signal-bus';
import { loadInvokerConfig, type InvokerConfig } from './config';
import { DockerContainerFactory } from './containers/docker-container-factory';
import { createInvoker } from './create-invoker';
import type { InvokerService } from './invoker-service';
import { acceptsConnections } from '../test/harness/accepts-connections';
import { annotationOf, InvokerHarness } from '../test/harness/invoker-harness';
import { TEST_MESSAGE_KEY_ENV } from '../test/harness/message-key';

// The invoker's core path on the distributed stack: Kafka, NATS, Redis and Docker containers
// from the runtime image (`npx tsx actions/build-images.ts`), all started by deploy/stack.sh.

jest.setTimeout(120000);

describe('invoker service (Kafka, NATS, Redis, Docker)', () => {
  const prefix = `wisp-test-${newTransactionId().slice(0, 10)}`;
  const naming = createNaming(prefix);
  const docker = new Dockerode();
  let config: InvokerConfig;
  let bus: MessageBus;
  let signals: SignalBus;
  let entities: EntityStore;
  let activations: ActivationStore;
  let harness: InvokerHarness;
  let invoker: InvokerService;

  beforeAll(async () => {
    config = loadInvokerConfig({ ...TEST_MESSAGE_KEY_ENV, WISP_PREFIX: prefix, WISP_CONTAINER_FACTORY: 'docker', WISP_INVOKER_DRAIN_MS: '10000' });
    bus = createKafkaMessageBus({ brokers: config.shared.kafkaBrokers, clientId: prefix, logger: silentLogger });
    signals = await createNatsSignalBus({ servers: config.shared.natsUrl, name: prefix, logger: silentLogger });
    entities = createRedisEntityStore({ redis: config.shared.redisUrl, naming, logger: silentLogger });
    activations = createRedisActivationStore({ redis: config.shared.redisUrl, naming, logger: silentLogger });
    harness = new InvokerHarness({ naming, bus, signals, entities, activations });
    await harness.open();
    const factory = new DockerContainerFactory({ invokerId: config.invokerId, naming, logger: silentLogger, images: config.runtimeImages, userMemoryMb: config.userMemoryMb });
    invoker = createInvoker({ config, bus, signals, entities, activations, factory, logger: silentLogger });
    await invoker.start();
  });

  afterAll(async () => {
    await invoker?.stop();
    await harness?.close();
    await Promise.allSettled([bus?.close(), signals?.close(), entities?.close(), activations?.close()]);
    const left = await docker.listContainers({ all: true, filters: { label: [`${naming.containerLabelKey}=${prefix}`] } });
    expect(left).toEqual([]);
  });

  it('runs an action in a container, records success with logs, and reuses the warm container', async () => {
    const action = await harness.deploy('hello', "let n = 0; function main(args) { n += 1; console.log('hello', args.name); return { greeting: 'hi ' + args.name, n }; }");
    const first = await harness.invoke(config.invokerId, action, { name: 'kafka' });
    expect(first.response).toEqual({ statusCode: 0, result: { greeting: 'hi kafka', n: 1 }, size: 29 });
    expect(first.logs).toHaveLength(1);
    expect(first.logs[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z +stdout: hello kafka$/);
    expect(annotationOf(first, 'initTime')).toEqual(expect.any(Number));
    expect(annotationOf(first, 'path')).toBe('guest/hello');

    const second = await harness.invoke(config.invokerId, action, { name: 'again' });
    expect(second.response.result).toEqual({ greeting: 'hi again', n: 2 });
    expect(annotationOf(second, 'initTime')).toBeUndefined();
  });

  it('takes the prewarmed stem cell for a cold start, pauses the idle container and resumes it for the next call', async () => {
    const ours = async (state?: string) =>
      docker.listContainers({ all: true, filters: { label: [`${naming.containerLabelKey}=${prefix}`], ...(state ? { status: [state] } : {}) } });
    // The invoker keeps one nodejs stem cell; wait until one is ready, its runtime accepting
    // connections (the first test may have taken the one made at start, and a container Docker
    // reports running may not listen yet, when the pool does not count it as a stem cell).
    const readyStemName = async (): Promise<string | undefined> => {
      for (const c of await ours('running')) {
        const name = c.Names.find((n) => n.includes('_prewarm_nodejs_'));
        const address = c.NetworkSettings?.Networks?.[naming.networkName()]?.IPAddress;
        if (name && address && (await acceptsConnections(address, 8080))) return name;
      }
      return undefined;
    };
    const deadline = Date.now() + 30000;
    let stem = await readyStemName();
    while (stem === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      stem = await readyStemName();
    }
    expect(stem).toBeDefined();

    const action = await harness.deploy('pausable', 'let n = 0; function main() { n += 1; return { n }; }');
    const first = await harness.invoke(config.invokerId, action);
    expect(first.response.result).toEqual({ n: 1 });
    // The activation ran in the stem cell: it is the container now paused after the grace.
    const pausedDeadline = Date.now() + 10000;
    let paused: string[] = [];
    while (!paused.includes(stem!) && Date.now() < pausedDeadline) {
      await new Promise((r) => setTimeout(r, 50));
      paused = (await ours('paused')).flatMap((c) => c.Names);
    }
    expect(paused).toContain(stem);

    const second = await harness.invoke(config.invokerId, action);
    expect(second.response.result).toEqual({ n: 2 });
    expect(annotationOf(second, 'initTime')).toBeUndefined();
  });

  it('runs overlapping activations of a concurrent nodejs action in one container, each with only its own logs', async () => {
    const action = await harness.deploy(
      'overlapping',
      "let running = 0; async function main(args) { running += 1; const seen = running; console.log('start', args.i); await new Promise((r) => setTimeout(r, 200)); console.error('end', args.i); running -= 1; return { host: require('os').hostname(), seen }; }",
      { limits: { concurrency: 3 } },
    );
    const warmup = await harness.invoke(config.invokerId, action, { i: 0 });
    const host = (warmup.response.result as { host: string }).host;
    const messages = [1, 2, 3].map((i) => harness.message(action, { i }));
    await harness.send(config.invokerId, ...messages);
    const records = await Promise.all(messages.map((m) => harness.recordAfterAck(m.activationId)));
    for (const [index, record] of records.entries()) {
      expect(record.response.result).toMatchObject({ host });
      expect(record.logs.map((l) => l.replace(/^\S+ +/, ''))).toEqual([`stdout: start ${index + 1}`, `stderr: end ${index + 1}`]);
    }
    expect(Math.max(...records.map((r) => (r.response.result as { seen: number }).seen))).toBeGreaterThan(1);
  });

  it('records application errors, thrown errors and init failures with their statuses', async () => {
    const appError = await harness.deploy('apperror', "function main() { return { error: 'nope' }; }");
    expect((await harness.invoke(config.invokerId, appError)).response).toEqual({ statusCode: 1, result: { error: 'nope' }, size: 16 });
    const thrower = await harness.deploy('thrower', "function main() { throw new Error('boom'); }");
    expect((await harness.invoke(config.invokerId, thrower)).response).toEqual({ statusCode: 2, result: { error: 'An error has occurred: Error: boom' } });
    const broken = await harness.deploy('broken', 'function main( {');
    const init = await harness.invoke(config.invokerId, broken);
    expect(init.response.statusCode).toBe(2);
    expect((init.response.result as { error: string }).error).toMatch(/^Initialization has failed due to: .*SyntaxError/s);
  });

  it('records a timeout and replaces the container', async () => {
    const action = await harness.deploy('sleeper', 'function main(args) { return new Promise((r) => setTimeout(() => r({ slept: args.ms }), args.ms)); }', {
      limits: { timeout: 300 },
    });
    const record = await harness.invoke(config.invokerId, action, { ms: 3000 });
    expect(record.response).toEqual({ statusCode: 2, result: { error: 'The action exceeded its time limits of 300 milliseconds.' } });
    expect(annotationOf(record, 'timeout')).toBe(true);
    const quick = await harness.invoke(config.invokerId, action, { ms: 1 });
    expect(quick.response.result).toEqual({ slept: 1 });
    expect(annotationOf(quick, 'initTime')).toEqual(expect.any(Number));
  });

  it('runs a duplicate delivery once, records undecodable messages, and dead-letters id-less ones', async () => {
    const action = await harness.deploy('once', 'function main() { return new Promise((r) => setTimeout(() => r({ ok: true }), 200)); }');
    const message = harness.message(action);
    await harness.send(config.invokerId, message, message);
    expect((await harness.recordAfterAck(message.activationId)).response.statusCode).toBe(0);

    const activationId = newActivationId();
    await harness.send(config.invokerId, Buffer.from(JSON.stringify({ v: 1, activationId, controllerId: harness.controllerId, transid: 't' })));
    expect((await harness.recordAfterAck(activationId)).response.statusCode).toBe(3);

    const deadLetters: ReceivedMessage[] = [];
    const reader = await bus.subscribe({ topic: naming.deadLetterTopic(), groupId: `${prefix}.dead-letter-reader`, onMessage: (m) => void deadLetters.push(m) });
    try {
      await harness.send(config.invokerId, Buffer.from('garbage'));
      const deadline = Date.now() + 30000;
      while (deadLetters.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(deadLetters.map((m) => m.value.toString())).toEqual(['garbage']);
    } finally {
      await reader.close();
    }
    expect(invoker.stats.claimsHeld).toBe(1);
    expect(harness.acks.get(message.activationId)).toHaveLength(1);
    expect(invoker.stats.duplicates).toBe(0);
  });
});
