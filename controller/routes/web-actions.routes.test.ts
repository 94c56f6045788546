import { randomBytes } from 'node:crypto';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { startControllerUnderTest, type ControllerUnderTest } from '../../test/harness/controller-under-test';
import { describeWebActions } from '../../test/e2e/web-actions.suite';

// The web actions suite in one process: a controller on the standalone adapters and an invoker
// running process containers. The e2e file runs the same suite on both built profiles.

jest.setTimeout(60_000);

describe('web actions on the in-process controller', () => {
  let t: ControllerUnderTest | undefined;

  beforeAll(async () => {
    t = await startControllerUnderTest(`wisp-test-web-${randomBytes(4).toString('hex')}`, { processInvoker: true });
  });

  afterAll(async () => {
    await t?.stop();
  });

  describeWebActions(() => ({ apihost: t!.controller.url, auth: GUEST_AUTH }));
});
