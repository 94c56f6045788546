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

    it(containers === 'process' ? 'says loudly that actions are unsandboxed: in its log, its banner and /api/v1' : 'says in /api/v1 that actions run in Docker containers', async () => {
      const info = (await (await fetch(`${platform!.apihost}/api/v1`)).json()) as { sandbox?: { containers: string; isolated: boolean; warning?: string } };
      if (containers === 'docker') {
        expect(info.sandbox).toEqual({ containers: 'docker', isolated: true });
        expect(platform!.process.output()).not.toContain('UNSANDBOXED');
        return;
      }
      expect(info.sandbox).toMatchObject({ containers: 'process', isolated: false, warning: expect.stringContaining('UNSANDBOXED') });
      await eventually(async () => (platform!.process.output().includes(`WARNING:    actions run as local processes, UNSANDBOXED`) ? true : undefined), 10_000);
      // The warn line of the log, before the banner, at the harness's warn level.
      expect(platform!.process.output().match(/UNSANDBOXED/g)?.length).toBeGreaterThanOrEqual(2);
    });

    describeInvokePath(() => ({ apihost: platform!.apihost, auth: GUEST_AUTH }));
  });
}
