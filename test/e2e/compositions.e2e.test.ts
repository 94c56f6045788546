import { GUEST_AUTH } from '../../common/entities/credentials';
import { startStandalonePlatform, type StandalonePlatform } from '../harness/platforms';
import { describeCompositions } from './compositions.suite';

// Conductor actions and maps (ADR 0028) on the standalone entry point, actions as processes.

jest.setTimeout(120_000);

describe('compositions on the standalone platform', () => {
  let platform: StandalonePlatform | undefined;

  beforeAll(async () => {
    platform = await startStandalonePlatform({ name: 'standalone', prefix: `e2e-comp-sa-${process.pid}`, containers: 'process' });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  describeCompositions(() => ({ apihost: platform!.apihost, auth: GUEST_AUTH }));
});
