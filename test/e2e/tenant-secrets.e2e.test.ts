import { randomBytes } from 'node:crypto';
import openwhisk from 'openwhisk';
import { createKafkaMessageBus } from '../../common/adapters/kafka/kafka-message-bus';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { silentLogger } from '../../common/logging/logger';
import { createNaming } from '../../common/naming';
import type { MessageBus, ReceivedMessage, Subscription } from '../../common/spi/message-bus';
import { AUTH_LINE, runAdmin } from '../harness/admin-process';
import { eventually } from '../harness/eventually';
import { startDistributedPlatform, type DistributedPlatform } from '../harness/platforms';

// Two tenants on the distributed platform (Kafka, NATS, Redis, Docker), issue #9 "keys" and
// "secrets in flight": an action gets its caller's key only when it asks for it; the caller's key
// and the parameters never sit readable on Kafka; no process log prints a key, a parameter value
// or an Authorization header, even at debug level.

jest.setTimeout(300_000);

const ECHO = 'function main(args) { return { key: process.env.__OW_API_KEY || null, apiKeyArg: args.api_key || null, params: args }; }';

describe('tenant secrets on the distributed platform', () => {
  const prefix = `e2e-secrets-${process.pid}-${Date.now().toString(36)}`;
  const naming = createNaming(prefix);
  // debug: the controller logs every dispatch and the invoker every step; none may carry a secret.
  const env = { WISP_PREFIX: prefix, WISP_LOG_LEVEL: 'debug' };
  const secret = (what: string) => `${what}-${randomBytes(6).toString('hex')}`;
  const raw: ReceivedMessage[] = [];
  let platform: DistributedPlatform | undefined;
  let bus: MessageBus | undefined;
  let reader: Subscription | undefined;
  let aliceAuth: string;

  beforeAll(async () => {
    platform = await startDistributedPlatform({ prefix, env });
    const created = await runAdmin(['user', 'create', `${prefix}-alice`], env);
    if (created.code !== 0) throw new Error(`wisp-admin exited ${created.code}: ${created.stderr}`);
    expect(created.stdout).toMatch(AUTH_LINE);
    aliceAuth = created.stdout.trim();
    // Anyone who can read the broker: a consumer group of its own on the invoker's topic, from the beginning.
    bus = createKafkaMessageBus({ brokers: ['127.0.0.1:9092'], clientId: `${prefix}-reader`, logger: silentLogger });
    reader = await bus.subscribe({
      topic: naming.invokerTopic('invoker0'),
      groupId: `${prefix}.eavesdropper`,
      onMessage: (message) => {
        raw.push(message);
        reader!.done(message);
      },
    });
  });

  afterAll(async () => {
    await reader?.close();
    await bus?.close();
    await platform?.stop();
  });

  const client = (auth: string) => openwhisk({ apihost: platform!.apihost, api_key: auth });

  it('hands a caller key only to an action annotated provide-api-key: true, in either namespace, and seals it on Kafka', async () => {
    const alice = client(aliceAuth);
    const guest = client(GUEST_AUTH);
    const bound = secret('alice-bound-db-password');
    const passed = secret('alice-passed-token');
    const guestPassed = secret('guest-passed');
    await alice.actions.create({ name: 'payroll', action: { exec: { kind: 'nodejs:20', code: ECHO }, parameters: [{ key: 'dbPassword', value: bound }] } });
    await alice.actions.create({ name: 'composer', action: { exec: { kind: 'nodejs:20', code: ECHO }, annotations: [{ key: 'provide-api-key', value: true }] } });
    await guest.actions.create({ name: `${prefix}-echo`, action: { exec: { kind: 'nodejs:20', code: ECHO } } });

    const payroll = await alice.actions.invoke({ name: 'payroll', blocking: true, params: { token: passed } });
    expect(payroll.response?.result).toEqual({ key: null, apiKeyArg: null, params: { dbPassword: bound, token: passed } });
    const composer = await alice.actions.invoke({ name: 'composer', blocking: true, params: {} });
    expect(composer.response?.result).toMatchObject({ key: aliceAuth });
    // Guest calls its own action: no key either, and nothing of alice's.
    const echoed = await guest.actions.invoke({ name: `${prefix}-echo`, blocking: true, params: { mine: guestPassed } });
    expect(echoed.response?.result).toEqual({ key: null, apiKeyArg: null, params: { mine: guestPassed } });

    const ids = [payroll.activationId, composer.activationId, echoed.activationId];
    await eventually(async () => (ids.every((id) => raw.some((m) => m.value.toString('utf8').includes(id))) ? true : undefined), 30_000);
    const onTheWire = raw.map((m) => m.value.toString('utf8')).join('\n');
    for (const leaked of [aliceAuth, aliceAuth.split(':')[1]!, GUEST_AUTH.split(':')[1]!, bound, passed, guestPassed]) expect(onTheWire).not.toContain(leaked);
  });

  it('prints no key, parameter value or Authorization header in any process log', async () => {
    const bound = secret('logged-bound');
    const passed = secret('logged-passed');
    const alice = client(aliceAuth);
    await alice.actions.create({ name: 'logged', action: { exec: { kind: 'nodejs:20', code: 'function main(args) { throw new Error("failing on purpose"); }' }, parameters: [{ key: 'password', value: bound }] } });
    const failed = await alice.actions.invoke({ name: 'logged', blocking: true, params: { apiKey: passed } }).catch((err: { error?: { activationId?: string } }) => err.error);
    // A wrong secret for alice's uuid is refused: its Authorization header must not be logged either.
    const wrongSecret = secret('wrong-secret').padEnd(64, 'x');
    await client(`${aliceAuth.split(':')[0]}:${wrongSecret}`).actions.list().catch(() => undefined);
    const basic = (auth: string) => Buffer.from(auth).toString('base64');
    const logs = platform!.processes.map((p) => p.output()).join('\n');
    // The debug lines about this very activation are there to be checked.
    expect(failed?.activationId).toEqual(expect.any(String));
    expect(logs).toContain(failed!.activationId);
    for (const leaked of [aliceAuth.split(':')[1]!, GUEST_AUTH.split(':')[1]!, basic(aliceAuth), basic(GUEST_AUTH), wrongSecret, bound, passed]) expect(logs).not.toContain(leaked);
  });
});
