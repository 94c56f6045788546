import { GUEST_AUTH } from '../../common/entities/credentials';
import { freePort } from '../harness/free-port';
import { startProcess, waitForHealthyInvokers, type PlatformProcess } from '../harness/platform-process';
import { describeInvokePath } from './invoke-path.suite';

// The distributed profile as an operator runs it: a controller process and an invoker process
// over the real Kafka, NATS, Redis and Docker engine that deploy/stack.sh started.

jest.setTimeout(120_000);

describe('distributed platform (Kafka, NATS, Redis, Docker)', () => {
  const processes: PlatformProcess[] = [];
  let apihost = '';
  const prefix = `e2e-dist-${process.pid}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    const port = await freePort();
    apihost = `http://127.0.0.1:${port}`;
    const env = { WISP_PREFIX: prefix, WISP_LOG_LEVEL: 'warn', WISP_CONTROLLER_PORT: String(port), WISP_API_HOST_FOR_ACTIONS: apihost };
    processes.push(startProcess('invoker0', 'invoker/main.ts', { ...env, WISP_INVOKER_ID: 'invoker0', WISP_CONTAINER_FACTORY: 'docker' }));
    processes.push(startProcess('controller0', 'controller/main.ts', env));
    await waitForHealthyInvokers(apihost, 1, processes, 90_000);
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
  });

  describeInvokePath(() => ({ apihost, auth: GUEST_AUTH }));
});
