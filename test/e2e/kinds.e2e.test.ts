import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { loadBuildConfig } from '../../actions/build-config';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { buildSkeletonImage } from '../fixtures/blackbox-skeleton/skeleton-image';
import { freePort } from '../harness/free-port';
import { startProcess, waitForHealthyInvokers, type PlatformProcess } from '../harness/platform-process';
import { describeKinds } from './kinds.suite';

// Python, blackbox and sequence actions on every profile: the standalone entry point with
// process containers and with Docker containers, and separate controller and invoker
// processes over the real Kafka, NATS, Redis and Docker engine. The blackbox image is built
// here (cached by content hash); deploy/stack.sh built the runtime images.

jest.setTimeout(180_000);

let skeleton = '';

beforeAll(async () => {
  skeleton = await buildSkeletonImage(new Dockerode(), loadBuildConfig(process.env));
}, 300_000);

for (const containers of ['process', 'docker'] as const) {
  describe(`kinds on the standalone platform (${containers} containers)`, () => {
    let platform: PlatformProcess;
    let apihost = '';
    const dataDir = mkdtempSync(join(tmpdir(), 'wisp-kinds-standalone-'));

    beforeAll(async () => {
      const port = await freePort();
      apihost = `http://127.0.0.1:${port}`;
      platform = startProcess(`standalone-${containers}`, 'deploy/standalone/main.ts', {
        WISP_DATA_DIR: dataDir,
        WISP_CONTROLLER_PORT: String(port),
        WISP_PREFIX: `e2e-kinds-sa-${containers}-${process.pid}`,
        WISP_CONTAINER_FACTORY: containers,
        WISP_LOG_LEVEL: 'warn',
      });
      await waitForHealthyInvokers(apihost, 1, [platform]);
    });

    afterAll(async () => {
      await platform?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    describeKinds(() => ({ apihost, auth: GUEST_AUTH, ...(containers === 'docker' ? { blackboxImage: skeleton } : {}) }));
  });
}

describe('kinds on the distributed platform (Kafka, NATS, Redis, Docker)', () => {
  const processes: PlatformProcess[] = [];
  let apihost = '';

  beforeAll(async () => {
    const port = await freePort();
    apihost = `http://127.0.0.1:${port}`;
    const env = { WISP_PREFIX: `e2e-kinds-dist-${process.pid}-${Date.now().toString(36)}`, WISP_LOG_LEVEL: 'warn', WISP_CONTROLLER_PORT: String(port), WISP_API_HOST_FOR_ACTIONS: apihost };
    processes.push(startProcess('invoker0', 'invoker/main.ts', { ...env, WISP_INVOKER_ID: 'invoker0', WISP_CONTAINER_FACTORY: 'docker' }));
    processes.push(startProcess('controller0', 'controller/main.ts', env));
    await waitForHealthyInvokers(apihost, 1, processes, 90_000);
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
  });

  describeKinds(() => ({ apihost, auth: GUEST_AUTH, blackboxImage: skeleton }));
});
