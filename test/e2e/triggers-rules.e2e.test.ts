import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { freePort } from '../harness/free-port';
import { startProcess, waitForHealthyInvokers, type PlatformProcess } from '../harness/platform-process';
import { describeTriggersAndRules } from './triggers-rules.suite';

// Triggers and rules on both profiles: the standalone entry point as one process, and separate
// controller and invoker processes over the real Kafka, NATS, Redis and Docker engine.

jest.setTimeout(120_000);

describe('triggers and rules on the standalone platform', () => {
  let platform: PlatformProcess;
  let apihost = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'wisp-tr-standalone-'));

  beforeAll(async () => {
    const port = await freePort();
    apihost = `http://127.0.0.1:${port}`;
    platform = startProcess('standalone', 'deploy/standalone/main.ts', {
      WISP_DATA_DIR: dataDir,
      WISP_CONTROLLER_PORT: String(port),
      WISP_PREFIX: `e2e-tr-sa-${process.pid}`,
      WISP_CONTAINER_FACTORY: 'process',
      WISP_LOG_LEVEL: 'warn',
    });
    await waitForHealthyInvokers(apihost, 1, [platform]);
  });

  afterAll(async () => {
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describeTriggersAndRules(() => ({ apihost, auth: GUEST_AUTH }));
});

describe('triggers and rules on the distributed platform (Kafka, NATS, Redis, Docker)', () => {
  const processes: PlatformProcess[] = [];
  let apihost = '';

  beforeAll(async () => {
    const port = await freePort();
    apihost = `http://127.0.0.1:${port}`;
    const env = { WISP_PREFIX: `e2e-tr-dist-${process.pid}-${Date.now().toString(36)}`, WISP_LOG_LEVEL: 'warn', WISP_CONTROLLER_PORT: String(port), WISP_API_HOST_FOR_ACTIONS: apihost };
    processes.push(startProcess('invoker0', 'invoker/main.ts', { ...env, WISP_INVOKER_ID: 'invoker0', WISP_CONTAINER_FACTORY: 'docker' }));
    processes.push(startProcess('controller0', 'controller/main.ts', env));
    await waitForHealthyInvokers(apihost, 1, processes, 90_000);
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
  });

  describeTriggersAndRules(() => ({ apihost, auth: GUEST_AUTH }));
});
