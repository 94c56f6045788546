import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openwhisk from 'openwhisk';
import { splitAuth } from '../../common/entities/credentials';
import { AUTH_LINE, runAdmin, type AdminRun } from '../harness/admin-process';
import { eventually } from '../harness/eventually';
import { startDistributedPlatform, startStandalonePlatform, type DistributedPlatform, type StandalonePlatform } from '../harness/platforms';

// Users made by wisp-admin, as an operator makes them, using the platform through the `openwhisk`
// npm client: several namespaces per subject, limits, both throttles answering 429, and a revoked
// key answering 401. On the standalone process (the admin command needs it stopped: the embedded
// store is locked while it runs) and on separate distributed processes over Redis, Kafka and NATS
// (where the admin command works alongside and controllers hear changes over NATS).

jest.setTimeout(180_000);

interface OwError {
  readonly statusCode?: number;
  readonly error?: { error?: string };
}

interface Users {
  readonly alice: string;
  readonly aliceSpare: string;
  readonly rated: string;
  readonly busy: string;
}

interface Profile {
  readonly apihost: string;
  readonly users: Users;
  /** Revokes a key the profile's way; resolves once the platform serves requests again. */
  revoke(uuid: string): Promise<void>;
}

const SLOW = 'function main() { return new Promise((resolve) => setTimeout(() => resolve({ slow: true }), 3000)); }';
const HELLO = 'function main(p) { return { hello: p.name || "you" }; }';
const refusal = (work: Promise<unknown>) => work.then(() => ({ statusCode: 0 }) as OwError, (err: OwError) => err);

async function ok(run: Promise<AdminRun>): Promise<string> {
  const done = await run;
  if (done.code !== 0) throw new Error(`wisp-admin exited ${done.code}: ${done.stderr}`);
  return done.stdout.trim();
}

async function createUsers(admin: (...args: string[]) => Promise<AdminRun>): Promise<Users> {
  const alice = await ok(admin('user', 'create', 'e2e-alice'));
  expect(`${alice}\n`).toMatch(AUTH_LINE);
  const aliceSpare = await ok(admin('key', 'issue', 'e2e-alice'));
  await ok(admin('namespace', 'create', 'e2e-alice', 'e2e-alice-lab'));
  const rated = await ok(admin('user', 'create', 'e2e-rated'));
  await ok(admin('limits', 'set', 'e2e-rated', '--invocationsPerMinute', '2'));
  const busy = await ok(admin('user', 'create', 'e2e-busy'));
  await ok(admin('limits', 'set', 'e2e-busy', '--concurrentInvocations', '1', '--maxActionMemory', '256'));
  return { alice, aliceSpare, rated, busy };
}

/** Rate windows are calendar minutes: a test counting within one must not straddle two. */
async function awayFromMinuteBoundary(marginMs = 10_000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

function describeIdentityAndThrottles(profile: () => Profile): void {
  const ow = (auth: string) => openwhisk({ apihost: profile().apihost, api_key: auth });
  const limitsOf = async (auth: string) =>
    (await fetch(`${profile().apihost}/api/v1/namespaces/_/limits`, { headers: { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` } })).json();

  it('lets a user made by wisp-admin create and invoke actions, and lists all its namespaces', async () => {
    const alice = ow(profile().users.alice);
    expect(await alice.namespaces.list()).toEqual(['e2e-alice', 'e2e-alice-lab']);
    await alice.actions.create({ name: 'hello', action: HELLO, kind: 'nodejs:20' });
    expect(await alice.actions.invoke({ name: 'hello', blocking: true, result: true, params: { name: 'alice' } })).toEqual({ hello: 'alice' });
    expect(await ow(profile().users.aliceSpare).actions.invoke({ name: 'hello', blocking: true, result: true })).toEqual({ hello: 'you' });
  });

  it("refuses another namespace's entities with 403", async () => {
    const alice = ow(profile().users.alice);
    expect(await refusal(alice.actions.list({ namespace: 'e2e-rated' }))).toMatchObject({
      statusCode: 403,
      error: { error: "The supplied authentication is not authorized to access 'e2e-rated/actions'." },
    });
    expect(await refusal(alice.actions.invoke({ name: 'hello', namespace: 'e2e-alice-lab' }))).toMatchObject({ statusCode: 403 });
  });

  it("answers the namespace's effective limits and holds action PUTs to its bounds", async () => {
    expect(await limitsOf(profile().users.busy)).toMatchObject({ concurrentInvocations: 1, invocationsPerMinute: 6000, firesPerMinute: 6000, maxActionMemory: 256 });
    expect(await limitsOf(profile().users.rated)).toMatchObject({ invocationsPerMinute: 2, concurrentInvocations: 500 });
    expect(await refusal(ow(profile().users.busy).actions.create({ name: 'big', action: HELLO, limits: { memory: 512 } }))).toMatchObject({
      statusCode: 400,
      error: { error: 'memory size 512 MB exceeds allowed threshold of 256 MB' },
    });
  });

  it('answers 429 past the invocations per minute', async () => {
    await awayFromMinuteBoundary();
    const rated = ow(profile().users.rated);
    await rated.actions.create({ name: 'hello', action: HELLO });
    await rated.actions.invoke({ name: 'hello', blocking: true });
    await rated.actions.invoke({ name: 'hello', blocking: true });
    expect(await refusal(rated.actions.invoke({ name: 'hello', blocking: true }))).toMatchObject({
      statusCode: 429,
      error: { error: 'Too many requests in the last minute (count: 3, allowed: 2).' },
    });
    // Other namespaces are not affected.
    expect(await ow(profile().users.alice).actions.invoke({ name: 'hello', blocking: true, result: true })).toEqual({ hello: 'you' });
  });

  it('answers 429 past the concurrent invocations, and takes work again once the activation completed', async () => {
    const busy = ow(profile().users.busy);
    await busy.actions.create({ name: 'slow', action: SLOW });
    const { activationId } = await busy.actions.invoke({ name: 'slow' });
    expect(await refusal(busy.actions.invoke({ name: 'slow' }))).toMatchObject({
      statusCode: 429,
      error: { error: 'Too many concurrent requests in flight (count: 1, allowed: 1).' },
    });
    await eventually(async () => {
      try {
        return await busy.activations.get({ name: activationId });
      } catch (err) {
        if ((err as OwError).statusCode === 404) return undefined;
        throw err;
      }
    }, 60_000, 200);
    // The ack that frees the slot and the record can land in either order.
    const after = await eventually(async () => {
      try {
        return await busy.actions.invoke({ name: 'slow', blocking: true, result: true });
      } catch (err) {
        if ((err as OwError).statusCode === 429) return undefined;
        throw err;
      }
    }, 5000, 100);
    expect(after).toEqual({ slow: true });
  });

  it('refuses a revoked key with 401 and keeps the namespace\'s other key working', async () => {
    const alice = ow(profile().users.alice);
    expect(await alice.actions.list()).toEqual(expect.any(Array));
    await profile().revoke(splitAuth(profile().users.alice).uuid);
    await eventually(async () => ((await refusal(alice.actions.list())).statusCode === 401 ? true : undefined), 2000, 50);
    expect(await refusal(alice.actions.list())).toMatchObject({ statusCode: 401, error: { error: 'The supplied authentication is invalid' } });
    expect(await ow(profile().users.aliceSpare).actions.invoke({ name: 'hello', blocking: true, result: true })).toEqual({ hello: 'you' });
  });
}

describe('identities and throttles on the standalone platform', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wisp-id-standalone-'));
  const admin = (...args: string[]) => runAdmin([...args, '--data-dir', dataDir]);
  let platform: StandalonePlatform | undefined;
  let users: Users;

  beforeAll(async () => {
    // The embedded store is locked while the platform runs: users are made before it starts.
    users = await createUsers(admin);
    platform = await startStandalonePlatform({ name: 'standalone', prefix: `e2e-id-sa-${process.pid}`, containers: 'process', dataDir });
  });

  afterAll(async () => {
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses wisp-admin on the data dir while the platform runs, saying why', async () => {
    const run = await admin('key', 'list', 'e2e-alice');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('only while the standalone platform is stopped');
  });

  describeIdentityAndThrottles(() => ({
    apihost: platform!.apihost,
    users,
    revoke: async (uuid) => {
      await platform!.process.stop();
      await ok(admin('key', 'revoke', uuid));
      await platform!.restart('standalone');
    },
  }));
});

describe('identities and throttles on the distributed platform (Redis, Kafka, NATS, Docker)', () => {
  const prefix = `e2e-id-dist-${process.pid}-${Date.now().toString(36)}`;
  const env = { WISP_PREFIX: prefix, WISP_LOG_LEVEL: 'warn', WISP_REDIS_URL: 'redis://127.0.0.1:6379', WISP_NATS_URL: 'nats://127.0.0.1:4222' };
  const admin = (...args: string[]) => runAdmin(args, env);
  let platform: DistributedPlatform | undefined;
  let users: Users;

  beforeAll(async () => {
    // A long identity cache: a revoked key refused at once can only be the NATS change at work.
    platform = await startDistributedPlatform({ prefix, env: { ...env, WISP_IDENTITY_CACHE_TTL_MS: '30000' } });
    // Made while the platform runs, as an operator would.
    users = await createUsers(admin);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  describeIdentityAndThrottles(() => ({ apihost: platform!.apihost, users, revoke: async (uuid) => void (await ok(admin('key', 'revoke', uuid))) }));
});
