import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { eventually } from '../harness/eventually';
import { freePort } from '../harness/free-port';
import { startProcess, waitForHealthyInvokers, type PlatformProcess } from '../harness/platform-process';
import { describeInvokePath } from './invoke-path.suite';

// `npm start`'s entry point as a real process, with Docker containers (the stack script has
// built the runtime image) and, separately, with process containers.

jest.setTimeout(120_000);

for (const containers of ['docker', 'process'] as const) {
  describe(`standalone platform (${containers} containers)`, () => {
    let platform: PlatformProcess;
    let apihost = '';
    const dataDir = mkdtempSync(join(tmpdir(), 'wisp-standalone-'));
    const prefix = `e2e-sa-${containers}-${process.pid}`;

    beforeAll(async () => {
      const port = await freePort();
      apihost = `http://127.0.0.1:${port}`;
      platform = startProcess(`standalone-${containers}`, 'deploy/standalone/main.ts', {
        WISP_DATA_DIR: dataDir,
        WISP_CONTROLLER_PORT: String(port),
        WISP_PREFIX: prefix,
        WISP_CONTAINER_FACTORY: containers,
        WISP_LOG_LEVEL: 'warn',
      });
      await waitForHealthyInvokers(apihost, 1, [platform]);
    });

    afterAll(async () => {
      await platform?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('prints the guest key on start', async () => {
      // The port answers a moment before the banner is written.
      await eventually(async () => (platform.output().includes(`guest key:  ${GUEST_AUTH}`) ? true : undefined), 10_000);
    });

    describeInvokePath(() => ({ apihost, auth: GUEST_AUTH }));
  });
}
