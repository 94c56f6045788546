import { once } from 'node:events';
import { Redis } from 'ioredis';
import openwhisk from 'openwhisk';
import { GUEST_AUTH, SYSTEM_AUTH } from '../../common/entities/credentials';
import { runAdmin } from '../harness/admin-process';
import { freePort } from '../harness/free-port';
import { TEST_MESSAGE_KEY_ENV } from '../harness/message-key';
import { startProcess, type PlatformProcess } from '../harness/platform-process';
import { deleteKeysWithPrefix } from '../harness/redis-test-keys';

// Outside standalone, OpenWhisk's public keys never work: the distributed controller neither
// bootstraps them nor starts while its store holds one that works, unless WISP_ALLOW_DEV_KEYS=true.
// And a revoked bootstrap key stays revoked across restarts.

jest.setTimeout(120_000);

const REFUSAL = /one of OpenWhisk's public development keys, which anyone can read: create namespaces and keys with wisp-admin/;

describe('the distributed controller and the public development keys', () => {
  const prefix = `e2e-devkeys-${process.pid}-${Date.now().toString(36)}`;
  const redis = new Redis({ lazyConnect: true });
  const processes: PlatformProcess[] = [];
  let env: Record<string, string>;
  let apihost: string;

  const exitOf = async (p: PlatformProcess): Promise<number | null> => {
    if (p.child.exitCode === null && p.child.signalCode === null) await once(p.child, 'exit');
    return p.child.exitCode;
  };
  const start = (name: string, extra: Record<string, string> = {}) => {
    const p = startProcess(name, 'controller/main.ts', { ...env, ...extra });
    processes.push(p);
    return p;
  };
  const stop = async (p: PlatformProcess) => p.stop();
  const ready = async (p: PlatformProcess) => {
    // The controller answers /api/v1 once it has bootstrapped.
    for (;;) {
      if (p.child.exitCode !== null) throw new Error(`${p.name} exited with ${p.child.exitCode}:\n${p.output()}`);
      const answer = await fetch(`${apihost}/api/v1`).catch(() => undefined);
      if (answer?.ok) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    await redis.connect();
    const port = await freePort();
    apihost = `http://127.0.0.1:${port}`;
    env = { ...TEST_MESSAGE_KEY_ENV, WISP_PREFIX: prefix, WISP_LOG_LEVEL: 'warn', WISP_CONTROLLER_PORT: String(port), WISP_API_HOST_FOR_ACTIONS: apihost };
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });

  it('refuses a public key given as the guest key, in one line, before touching any service', async () => {
    for (const [name, auth] of [['WISP_GUEST_AUTH', GUEST_AUTH], ['WISP_SYSTEM_AUTH', SYSTEM_AUTH]] as const) {
      const refused = start(`refused-${name}`, { [name]: auth });
      expect(await exitOf(refused)).toBe(1);
      expect(refused.output()).toMatch(new RegExp(`${name} is ${REFUSAL.source}`));
    }
  });

  it('bootstraps no key by default: the public guest key is unknown', async () => {
    const controller = start('no-dev-keys');
    await ready(controller);
    const wsk = openwhisk({ apihost, api_key: GUEST_AUTH });
    await expect(wsk.actions.list()).rejects.toMatchObject({ statusCode: 401 });
    await stop(controller);
  });

  it('refuses to start while the store holds a working public key, and starts once it is revoked, which no restart undoes', async () => {
    // A development run left the guest key in the store.
    const dev = start('dev', { WISP_ALLOW_DEV_KEYS: 'true' });
    await ready(dev);
    expect(Array.isArray(await openwhisk({ apihost, api_key: GUEST_AUTH }).actions.list())).toBe(true);
    await stop(dev);

    const refused = start('refused-live-key');
    expect(await exitOf(refused)).toBe(1);
    expect(refused.output()).toMatch(new RegExp(`the key 23bc46b1-71f6-4ed5-8c54-816aa4f8c502 of namespace 'guest' is ${REFUSAL.source}`));

    // The operator revokes the public keys; now the controller starts.
    for (const auth of [GUEST_AUTH, SYSTEM_AUTH]) {
      const revoked = await runAdmin(['key', 'revoke', auth.split(':')[0]!], { WISP_PREFIX: prefix });
      expect(revoked.stdout).toContain('revoked key');
    }
    const clean = start('after-revoke');
    await ready(clean);
    await stop(clean);

    // Even a controller that allows dev keys does not make a revoked one valid again.
    const devAgain = start('dev-again', { WISP_ALLOW_DEV_KEYS: 'true' });
    await ready(devAgain);
    await expect(openwhisk({ apihost, api_key: GUEST_AUTH }).actions.list()).rejects.toMatchObject({ statusCode: 401 });
    await stop(devAgain);
  });
});
