import Dockerode from 'dockerode';
import { loadBuildConfig } from '../../actions/build-config';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { buildSkeletonImage } from '../fixtures/blackbox-skeleton/skeleton-image';
import { startDistributedPlatform, startStandalonePlatform, type DistributedPlatform, type StandalonePlatform } from '../harness/platforms';
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
    let platform: StandalonePlatform | undefined;

    beforeAll(async () => {
      platform = await startStandalonePlatform({ prefix: `e2e-kinds-sa-${containers}-${process.pid}`, containers });
    });

    afterAll(async () => {
      await platform?.stop();
    });

    describeKinds(() => ({ apihost: platform!.apihost, auth: GUEST_AUTH, ...(containers === 'docker' ? { blackboxImage: skeleton } : {}) }));
  });
}

describe('kinds on the distributed platform (Kafka, NATS, Redis, Docker)', () => {
  let platform: DistributedPlatform | undefined;

  beforeAll(async () => {
    platform = await startDistributedPlatform({ prefix: `e2e-kinds-dist-${process.pid}-${Date.now().toString(36)}` });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  describeKinds(() => ({ apihost: platform!.apihost, auth: GUEST_AUTH, blackboxImage: skeleton }));
});
