import { Redis } from 'ioredis';
import openwhisk from 'openwhisk';
import { createKafkaClient, createKafkaMessageBus } from '../../common/adapters/kafka/kafka-message-bus';
import { KafkaTopicAdmin } from '../../common/adapters/kafka/kafka-topic-admin';
import { createNatsSignalBus } from '../../common/adapters/nats/nats-signal-bus';
import { createRedisActivationStore } from '../../common/adapters/redis/redis-activation-store';
import { createRedisEntityStore } from '../../common/adapters/redis/redis-entity-store';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { silentLogger } from '../../common/logging/logger';
import { createNaming } from '../../common/naming';
import type { ActivationStore } from '../../common/spi/activation-store';
import type { EntityStore } from '../../common/spi/entity-store';
import type { MessageBus, ReceivedMessage, Subscription } from '../../common/spi/message-bus';
import type { SignalBus } from '../../common/spi/signal-bus';
import { loadControllerConfig } from '../../controller/config';
import { startController, type RunningController } from '../../controller/controller';
import { loadInvokerConfig } from '../../invoker/config';
import { ProcessContainerFactory } from '../../invoker/containers/process-container-factory';
import { createInvoker } from '../../invoker/create-invoker';
import type { InvokerService } from '../../invoker/invoker-service';
import { eventually } from '../harness/eventually';
import { TEST_MESSAGE_KEY_ENV } from '../harness/message-key';
import { DEV_KEYS_ENV } from '../harness/dev-keys';
import { deleteKeysWithPrefix, uniqueTestPrefix } from '../harness/redis-test-keys';
import { testRuntimeProxies } from '../harness/runtime-proxies';

// What an activation message is on the real Kafka topic (ADR 0014): a controller and an invoker
// on Kafka, NATS and Redis, and a third reader on the invoker's topic in a group of its own, as
// anyone with read access to the broker would read it. The caller's key and the parameters must
// reach the action, and must not be in the bytes.

jest.setTimeout(120_000);

describe('activation messages on Kafka are sealed', () => {
  const prefix = uniqueTestPrefix();
  const naming = createNaming(prefix);
  const env = { ...TEST_MESSAGE_KEY_ENV, ...DEV_KEYS_ENV, WISP_PREFIX: prefix, WISP_CONTROLLER_PORT: '0', WISP_CONTAINER_FACTORY: 'process', WISP_INVOKER_DRAIN_MS: '2000', WISP_INVOKER_PREWARM_NODEJS: '0' };
  const controllerConfig = loadControllerConfig(env);
  const invokerConfig = loadInvokerConfig(env);
  const shared = controllerConfig.shared;
  const raw: ReceivedMessage[] = [];
  const deadLetters: ReceivedMessage[] = [];
  let bus: MessageBus;
  let signals: SignalBus;
  let entities: EntityStore;
  let activations: ActivationStore;
  let invoker: InvokerService | undefined;
  let controller: RunningController | undefined;
  const readers: Subscription[] = [];

  beforeAll(async () => {
    bus = createKafkaMessageBus({ brokers: shared.kafkaBrokers, clientId: prefix, logger: silentLogger });
    signals = await createNatsSignalBus({ servers: shared.natsUrl, name: prefix, logger: silentLogger });
    entities = createRedisEntityStore({ redis: shared.redisUrl, naming, logger: silentLogger });
    activations = createRedisActivationStore({ redis: shared.redisUrl, naming, logger: silentLogger });
    const factory = new ProcessContainerFactory({ invokerId: invokerConfig.invokerId, naming, logger: silentLogger, proxies: testRuntimeProxies() });
    invoker = createInvoker({ config: invokerConfig, bus, signals, entities, activations, factory, logger: silentLogger });
    await invoker.start();
    for (const [name, topic, into] of [['raw', naming.invokerTopic(invokerConfig.invokerId), raw], ['dead', naming.deadLetterTopic(), deadLetters]] as const) {
      const reader: Subscription = await bus.subscribe({
        topic,
        groupId: `${prefix}.${name}-reader`,
        onMessage: (message) => {
          into.push(message);
          reader.done(message);
        },
      });
      readers.push(reader);
    }
    controller = await startController({ config: controllerConfig, logger: silentLogger, naming, bus, signals, entities, activations });
    await controller.registry.waitForHealthy(30_000);
  });

  afterAll(async () => {
    await controller?.stop();
    await invoker?.stop();
    await Promise.allSettled(readers.map((r) => r.close()));
    await Promise.allSettled([bus?.close(), signals?.close(), entities?.close(), activations?.close()]);
    const redis = new Redis(shared.redisUrl);
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
    const admin = new KafkaTopicAdmin(createKafkaClient({ brokers: shared.kafkaBrokers, clientId: prefix, logger: silentLogger }));
    try {
      await admin.deleteTopics((await admin.listTopics()).filter((topic) => topic.startsWith(prefix)));
    } finally {
      await admin.close();
    }
  });

  it('carries neither the caller key nor a parameter value, though the action receives both', async () => {
    const ow = openwhisk({ apihost: controller!.url, api_key: GUEST_AUTH });
    const parameterValue = `param-${prefix}-hunter2`;
    const boundValue = `bound-${prefix}-s3cret`;
    await ow.actions.create({
      name: 'echo-secrets',
      action: {
        exec: { kind: 'nodejs:20', code: 'function main(args) { return { secret: args.secret, bound: args.bound, key: process.env.__OW_API_KEY }; }' },
        parameters: [{ key: 'bound', value: boundValue }],
        annotations: [{ key: 'provide-api-key', value: true }],
      },
    });
    const activation = await ow.actions.invoke({ name: 'echo-secrets', blocking: true, params: { secret: parameterValue } });
    // The action got all three, so they were on their way through this topic.
    expect(activation.response?.result).toEqual({ secret: parameterValue, bound: boundValue, key: GUEST_AUTH });

    const message = await eventually(async () => raw.find((m) => m.value.toString('utf8').includes(activation.activationId)));
    const bytes = message.value.toString('utf8');
    for (const secret of [GUEST_AUTH, GUEST_AUTH.split(':')[1]!, parameterValue, boundValue]) expect(bytes).not.toContain(secret);
    expect(JSON.parse(bytes)).toMatchObject({ v: 2, activationId: activation.activationId, user: { namespace: 'guest' }, sealed: expect.any(String) });

    // Without a readable id the invoker dead-letters a message as it arrived: the sealed bytes, still without a secret.
    const anonymous = { ...(JSON.parse(bytes) as Record<string, unknown>), activationId: 'not-an-id' };
    await bus.send(naming.invokerTopic(invokerConfig.invokerId), [{ value: Buffer.from(JSON.stringify(anonymous)) }]);
    const dead = await eventually(async () => deadLetters.find((m) => m.value.toString('utf8').includes('not-an-id')));
    for (const secret of [GUEST_AUTH.split(':')[1]!, parameterValue, boundValue]) expect(dead.value.toString('utf8')).not.toContain(secret);
  });
});
