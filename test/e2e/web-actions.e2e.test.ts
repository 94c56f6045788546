import { GUEST_AUTH } from '../../common/entities/credentials';
import { startDistributedPlatform, startStandalonePlatform, type DistributedPlatform, type StandalonePlatform } from '../harness/platforms';
import { describeWebActions } from './web-actions.suite';

// Web actions on both profiles: the standalone entry point as one process, and separate
// controller and invoker processes over the real Kafka, NATS, Redis and Docker engine.

jest.setTimeout(120_000);

describe('web actions on the standalone platform', () => {
  let platform: StandalonePlatform | undefined;

  beforeAll(async () => {
    platform = await startStandalonePlatform({ name: 'standalone', prefix: `e2e-web-sa-${process.pid}`, containers: 'process' });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  describeWebActions(() => ({ apihost: platform!.apihost, auth: GUEST_AUTH }));
});

describe('web actions on the distributed platform (Kafka, NATS, Redis, Docker)', () => {
  let platform: DistributedPlatform | undefined;

  beforeAll(async () => {
    platform = await startDistributedPlatform({ prefix: `e2e-web-dist-${process.pid}-${Date.now().toString(36)}` });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  describeWebActions(() => ({ apihost: platform!.apihost, auth: GUEST_AUTH }));
});
