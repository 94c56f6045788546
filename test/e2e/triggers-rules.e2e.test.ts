import { GUEST_AUTH } from '../../common/entities/credentials';
import { startDistributedPlatform, startStandalonePlatform, type DistributedPlatform, type StandalonePlatform } from '../harness/platforms';
import { describeTriggersAndRules } from './triggers-rules.suite';

// Triggers and rules on both profiles: the standalone entry point as one process, and separate
// controller and invoker processes over the real Kafka, NATS, Redis and Docker engine.

jest.setTimeout(120_000);

describe('triggers and rules on the standalone platform', () => {
  let platform: StandalonePlatform | undefined;

  beforeAll(async () => {
    platform = await startStandalonePlatform({ name: 'standalone', prefix: `e2e-tr-sa-${process.pid}`, containers: 'process' });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  describeTriggersAndRules(() => ({ apihost: platform!.apihost, auth: GUEST_AUTH }));
});

describe('triggers and rules on the distributed platform (Kafka, NATS, Redis, Docker)', () => {
  let platform: DistributedPlatform | undefined;

  beforeAll(async () => {
    platform = await startDistributedPlatform({ prefix: `e2e-tr-dist-${process.pid}-${Date.now().toString(36)}` });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  describeTriggersAndRules(() => ({ apihost: platform!.apihost, auth: GUEST_AUTH }));
});
