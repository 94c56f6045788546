import { GUEST_AUTH } from '../../common/entities/credentials';
import { startDistributedPlatform, startStandalonePlatform, type DistributedPlatform, type StandalonePlatform } from '../harness/platforms';
import { describeCompositions } from './compositions.suite';

// Conductor actions and maps (ADR 0028) on both profiles: the standalone entry point with actions
// as processes, and separate controller and invoker processes over the real Kafka, NATS, Redis
// and Docker engine.

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

describe('compositions on the distributed platform (Kafka, NATS, Redis, Docker)', () => {
  let platform: DistributedPlatform | undefined;

  beforeAll(async () => {
    platform = await startDistributedPlatform({ prefix: `e2e-comp-dist-${process.pid}-${Date.now().toString(36)}` });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  describeCompositions(() => ({ apihost: platform!.apihost, auth: GUEST_AUTH }));
});
