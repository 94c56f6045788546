import { GUEST_AUTH } from '../../common/entities/credentials';
import { startDistributedPlatform, type DistributedPlatform } from '../harness/platforms';
import { describeInvokePath } from './invoke-path.suite';

// The distributed profile as an operator runs it: a controller process and an invoker process
// over the real Kafka, NATS, Redis and Docker engine that deploy/stack.sh started.

jest.setTimeout(120_000);

describe('distributed platform (Kafka, NATS, Redis, Docker)', () => {
  let platform: DistributedPlatform | undefined;

  beforeAll(async () => {
    platform = await startDistributedPlatform({ prefix: `e2e-dist-${process.pid}-${Date.now().toString(36)}` });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  describeInvokePath(() => ({ apihost: platform!.apihost, auth: GUEST_AUTH }));
});
