import { Redis } from 'ioredis';
import { createNatsSignalBus } from '../../common/adapters/nats/nats-signal-bus';
import { createRedisEntityStore } from '../../common/adapters/redis/redis-entity-store';
import { deleteKeysWithPrefix, keysWithPrefix, uniqueTestPrefix } from '../../test/harness/redis-test-keys';
import { keyMatches, splitAuth } from '../../common/entities/credentials';
import { silentLogger } from '../../common/logging/logger';
import { createNaming } from '../../common/naming';
import { decodeIdentityChange, type IdentityChange } from '../../common/protocol/identity-change';
import type { SignalBus } from '../../common/spi/signal-bus';
import { eventually } from '../../test/harness/eventually';
import { IdentityRecords } from '../identity/identity-records';
import { AUTH_LINE, runAdmin } from '../../test/harness/admin-process';

// wisp-admin on the distributed profile's real Redis (a prefix of its own) and NATS: what it
// writes is what controllers read, and every change is announced on the identity-change subject.

jest.setTimeout(60_000);

const REDIS_URL = 'redis://127.0.0.1:6379';
const NATS_URL = 'nats://127.0.0.1:4222';
const prefix = uniqueTestPrefix();
const naming = createNaming(prefix);
const env = { WISP_PREFIX: prefix, WISP_REDIS_URL: REDIS_URL, WISP_NATS_URL: NATS_URL };
const redis = new Redis(REDIS_URL);
let signals: SignalBus;
const heard: IdentityChange[] = [];

beforeAll(async () => {
  signals = await createNatsSignalBus({ servers: NATS_URL, name: `${prefix}-listener`, logger: silentLogger });
  await signals.subscribe(naming.identityChangeSubject(), (payload) => {
    const change = decodeIdentityChange(payload);
    if (change) heard.push(change);
  });
});

afterAll(async () => {
  await signals.close();
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

describe('wisp-admin on Redis', () => {
  it('writes users and keys under the prefix, where a controller reads them, and announces a revoked key', async () => {
    const created = await runAdmin(['user', 'create', 'redis-user', '--namespace', 'redis-ns'], env);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toMatch(AUTH_LINE);
    const { uuid, key } = splitAuth(created.stdout.trim());
    expect((await keysWithPrefix(redis, prefix)).every((k) => k.startsWith(`${prefix}:`))).toBe(true);

    const store = createRedisEntityStore({ redis, naming, logger: silentLogger });
    const records = new IdentityRecords({ store });
    const doc = await records.key(uuid);
    expect(doc && keyMatches(doc, key)).toBe(true);
    expect(await records.listKeys('redis-ns')).toEqual([uuid]);

    heard.length = 0;
    expect((await runAdmin(['key', 'revoke', uuid], env)).code).toBe(0);
    expect(await records.key(uuid)).toMatchObject({ revoked: true });
    await eventually(async () => (heard.some((c) => c.uuids?.includes(uuid)) ? true : undefined), 5000);

    expect((await runAdmin(['limits', 'set', 'redis-ns', '--concurrentInvocations', '3'], env)).code).toBe(0);
    expect(await records.limits('redis-ns')).toEqual({ concurrentInvocations: 3 });
    await eventually(async () => (heard.some((c) => c.namespaces?.includes('redis-ns')) ? true : undefined), 5000);
    await store.close();
  });

  it('keeps prefixes apart: a namespace made under one prefix does not exist under another', async () => {
    expect((await runAdmin(['user', 'create', 'prefix-user'], env)).code).toBe(0);
    const other = uniqueTestPrefix();
    const run = await runAdmin(['key', 'list', 'prefix-user'], { ...env, WISP_PREFIX: other });
    expect(run).toMatchObject({ code: 1, stderr: expect.stringContaining("namespace 'prefix-user' does not exist") });
    await deleteKeysWithPrefix(redis, other);
  });

  it('still makes the change when NATS cannot be reached, and says when controllers will see it', async () => {
    const run = await runAdmin(['user', 'create', 'no-nats-user'], { ...env, WISP_NATS_URL: 'nats://127.0.0.1:1', WISP_ADMIN_CONNECT_TIMEOUT_MS: '2000' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(AUTH_LINE);
    expect(run.stderr).toContain('could not tell controllers over NATS');
    expect(run.stderr).toContain('within their identity cache TTL');
  });

  it('fails with exit 1 and a clear sentence when Redis cannot be reached', async () => {
    const run = await runAdmin(['key', 'list', 'anything'], { ...env, WISP_REDIS_URL: 'redis://127.0.0.1:1', WISP_ADMIN_CONNECT_TIMEOUT_MS: '1000' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot reach Redis at redis://127.0.0.1:1');
  });
});
