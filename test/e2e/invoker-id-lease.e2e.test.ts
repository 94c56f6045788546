import { once } from 'node:events';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from '../harness/redis-test-keys';
import { createNaming } from '../../common/naming';
import { freePort } from '../harness/free-port';
import { startProcess, waitForHealthyInvokers, type PlatformProcess } from '../harness/platform-process';
import { TEST_MESSAGE_KEY_ENV } from '../harness/message-key';
import { DEV_KEYS_ENV } from '../harness/dev-keys';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openwhisk from 'openwhisk';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { eventually } from '../harness/eventually';
import { startStallableProxy } from '../harness/stallable-proxy';

// Invoker ids leased from a fixed pool on the real Redis (DESIGN.md §7): invokers started without
// WISP_INVOKER_ID take invoker0, invoker1, …; one more than the pool refuses to start; an invoker
// whose lease another process took stops and exits non-zero.

jest.setTimeout(120_000);

const POOL_SIZE = 2;
const LEASE_TTL_MS = 2000;

describe('invoker id leases (distributed: Kafka, NATS, Redis)', () => {
  const prefix = `e2e-lease-${process.pid}-${Date.now().toString(36)}`;
  const naming = createNaming(prefix);
  const redis = new Redis('redis://127.0.0.1:6379');
  const processes: PlatformProcess[] = [];
  let apihost = '';
  let env: Record<string, string> = {};

  const exitOf = async (p: PlatformProcess): Promise<number | null> => {
    if (p.child.exitCode === null && p.child.signalCode === null) await once(p.child, 'exit');
    return p.child.exitCode;
  };

  beforeAll(async () => {
    const port = await freePort();
    apihost = `http://127.0.0.1:${port}`;
    env = {
      ...TEST_MESSAGE_KEY_ENV,
      ...DEV_KEYS_ENV,
      WISP_PREFIX: prefix,
      WISP_LOG_LEVEL: 'warn',
      WISP_CONTROLLER_PORT: String(port),
      WISP_API_HOST_FOR_ACTIONS: apihost,
      WISP_CONTAINER_FACTORY: 'process',
      WISP_INVOKER_POOL_SIZE: String(POOL_SIZE),
      WISP_INVOKER_LEASE_TTL_MS: String(LEASE_TTL_MS),
    };
    processes.push(startProcess('controller0', 'controller/main.ts', env));
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });

  it('hands out the pool in order, refuses one invoker too many, and stops an invoker that lost its lease', async () => {
    // One after the other, so the order of the ids is known.
    const first = startProcess('pool-a', 'invoker/main.ts', env);
    processes.push(first);
    await waitForHealthyInvokers(apihost, 1, processes);
    const second = startProcess('pool-b', 'invoker/main.ts', env);
    processes.push(second);
    await waitForHealthyInvokers(apihost, 2, processes);
    expect(await (await fetch(`${apihost}/invokers`)).json()).toEqual({ invoker0: 'up', invoker1: 'up' });
    expect(await redis.pttl(naming.redisKey('invoker-lease', 'invoker0'))).toBeGreaterThan(0);

    const extra = startProcess('pool-c', 'invoker/main.ts', env);
    processes.push(extra);
    expect(await exitOf(extra)).toBe(1);
    expect(extra.output()).toMatch(/every invoker id of the pool \(invoker0 … invoker1\) is leased/);

    // Another process takes invoker1's id (as one would after invoker1 had been paused past its
    // ttl): invoker1 must notice at its next renewal, stop and exit with the lease-lost status.
    await redis.set(naming.redisKey('invoker-lease', 'invoker1'), 'someone-else', 'PX', 60_000);
    const started = Date.now();
    expect(await exitOf(second)).toBe(3);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(second.output()).toMatch(/invoker id lease lost/);
    // invoker0 is unaffected.
    expect(first.child.exitCode).toBeNull();
  });

  it('ends an invoker whose renewal hangs before its lease can lapse, and its next life runs each claim once', async () => {
    // The first test's invokers go first: every activation must go to the id under test.
    for (const p of processes.filter((p) => p.name.startsWith('pool-'))) await p.stop();
    await eventually(async () => {
      const states = (await (await fetch(`${apihost}/invokers`)).json()) as Record<string, string>;
      return Object.values(states).every((state) => state !== 'up') ? true : undefined;
    }, 30_000, 200);
    const runs = join(tmpdir(), `${prefix}-runs`);
    rmSync(runs, { force: true });
    const wsk = openwhisk({ apihost, api_key: GUEST_AUTH });
    const name = `${prefix}-once`;
    // Process containers share the host's files: each run leaves its activation id in one file.
    await wsk.actions.create({ name, action: { exec: { kind: 'nodejs:20', code: "const fs = require('fs'); function main(p) { fs.appendFileSync(p.file, process.env.__OW_ACTIVATION_ID + '\\n'); return { ran: true }; }" } } });

    const proxy = await startStallableProxy({ host: '127.0.0.1', port: 6379 });
    try {
      const hung = startProcess('hung', 'invoker/main.ts', { ...env, WISP_INVOKER_ID: 'invoker7', WISP_REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
      processes.push(hung);
      await waitForHealthyInvokers(apihost, 1, [processes[0]!, hung]);
      const before = await wsk.actions.invoke({ name, blocking: true, params: { file: runs } });
      expect(before.response?.success).toBe(true);

      // The lease stands until `expiry`, counted by Redis from the last renewal that reached it.
      const leaseKey = naming.redisKey('invoker-lease', 'invoker7');
      proxy.stall();
      const expiry = Date.now() + (await redis.pttl(leaseKey));
      const during = await Promise.all(Array.from({ length: 3 }, () => wsk.actions.invoke({ name, params: { file: runs } })));
      expect(await exitOf(hung)).toBe(3);
      // The process is gone before another life could take the id (a little slack for this test's own event loop).
      expect(Date.now()).toBeLessThan(expiry + 100);
      expect(hung.output()).toMatch(/invoker id lease about to lapse unrenewed: stopping/);

      // The id's next life, on a working Redis, takes the lapsed lease and the claims.
      const next = startProcess('next-life', 'invoker/main.ts', { ...env, WISP_INVOKER_ID: 'invoker7' });
      processes.push(next);
      const ids = [before.activationId, ...during.map((d) => d.activationId)];
      for (const activationId of ids) {
        const record = await eventually(() => wsk.activations.get({ name: activationId }).catch(() => undefined), 60_000, 200);
        expect(record.response?.success).toBe(true);
      }
      expect(existsSync(runs)).toBe(true);
      const ran = readFileSync(runs, 'utf8').trim().split('\n');
      expect([...ran].sort()).toEqual([...ids].sort());
    } finally {
      await proxy.close();
      rmSync(runs, { force: true });
    }
  });
});
