import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { eventually } from '../harness/eventually';
import { freePort } from '../harness/free-port';
import { startProcess, type PlatformProcess } from '../harness/platform-process';

// Issue #11: a script that waits for standalone's API to answer and then invokes at once must
// never get 503 "no healthy invoker" for an invoker still starting in the same process. An
// answer from GET /api/v1 and the ready banner mean the same thing.

jest.setTimeout(120_000);

describe.each(['process', 'docker'] as const)('standalone readiness (%s containers)', (containers) => {
  let platform: PlatformProcess | undefined;
  let dataDir: string | undefined;

  afterAll(async () => {
    await platform?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('invokes with success the moment GET /api/v1 first answers on a fresh data dir', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wisp-readiness-'));
    const port = await freePort();
    const apihost = `http://127.0.0.1:${port}`;
    platform = startProcess(`standalone-readiness-${containers}`, 'deploy/standalone/main.ts', {
      WISP_DATA_DIR: dataDir,
      WISP_CONTROLLER_PORT: String(port),
      WISP_PREFIX: `e2e-ready-${containers}-${process.pid}`,
      WISP_CONTAINER_FACTORY: containers,
      WISP_LOG_LEVEL: 'warn',
    });
    const started = platform;
    // Connection refused until the port opens; the first answer is the signal a script waits for.
    await eventually(async () => {
      if (started.child.exitCode !== null) throw new Error(`standalone exited: ${started.output()}`);
      const res = await fetch(`${apihost}/api/v1`).catch(() => undefined);
      return res?.ok ? true : undefined;
    }, 90_000, 10);
    // Ready means ready: the invoker in the same process is already counted.
    expect(Number(await (await fetch(`${apihost}/invokers/healthy/count`)).text())).toBeGreaterThanOrEqual(1);
    // The banner is written before the gate opens; its bytes may reach this process a moment after the answer.
    await eventually(async () => (started.output().includes('Wisp standalone is ready at') ? true : undefined), 5000);

    const headers = { Authorization: `Basic ${Buffer.from(GUEST_AUTH).toString('base64')}`, 'Content-Type': 'application/json' };
    const put = await fetch(`${apihost}/api/v1/namespaces/_/actions/hello`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ exec: { kind: 'nodejs:20', code: 'function main(p) { return { hello: p.name }; }' } }),
    });
    expect(put.status).toBe(200);
    const invoked = await fetch(`${apihost}/api/v1/namespaces/_/actions/hello?blocking=true&result=true`, { method: 'POST', headers, body: JSON.stringify({ name: 'world' }) });
    expect({ status: invoked.status, body: await invoked.json() }).toEqual({ status: 200, body: { hello: 'world' } });
  });
});
