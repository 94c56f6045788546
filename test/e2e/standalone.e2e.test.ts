import { GUEST_AUTH } from '../../common/entities/credentials';
import { eventually } from '../harness/eventually';
import { startStandalonePlatform, type StandalonePlatform } from '../harness/platforms';
import { describeInvokePath } from './invoke-path.suite';

// `npm start`'s entry point as a real process, with Docker containers (the stack script has
// built the runtime image) and, separately, with process containers.

jest.setTimeout(120_000);

for (const containers of ['docker', 'process'] as const) {
  describe(`standalone platform (${containers} containers)`, () => {
    let platform: StandalonePlatform | undefined;

    beforeAll(async () => {
      platform = await startStandalonePlatform({ prefix: `e2e-sa-${containers}-${process.pid}`, containers });
    });

    afterAll(async () => {
      await platform?.stop();
    });

    it('prints the guest key on start', async () => {
      // The port answers a moment before the banner is written.
      await eventually(async () => (platform!.process.output().includes(`guest key:  ${GUEST_AUTH}`) ? true : undefined), 10_000);
    });

    describeInvokePath(() => ({ apihost: platform!.apihost, auth: GUEST_AUTH }));
  });
}
