import { ConfigError } from '../common/config/env-reader';
import { GUEST_AUTH, SYSTEM_AUTH } from '../common/entities/credentials';
import { TEST_MESSAGE_KEY_ENV } from '../test/harness/message-key';
import { loadControllerConfig } from './config';

describe('loadControllerConfig and the public development keys', () => {
  const problemsOf = (env: Record<string, string>): readonly string[] => {
    try {
      loadControllerConfig({ ...TEST_MESSAGE_KEY_ENV, ...env });
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it('bootstraps no key by default', () => {
    const config = loadControllerConfig({ ...TEST_MESSAGE_KEY_ENV });
    expect(config.allowDevKeys).toBe(false);
    expect(config.bootstrap).toEqual([]);
  });

  it('bootstraps the public keys only when WISP_ALLOW_DEV_KEYS=true says so', () => {
    const config = loadControllerConfig({ ...TEST_MESSAGE_KEY_ENV, WISP_ALLOW_DEV_KEYS: 'true' });
    expect(config.bootstrap).toEqual([
      { subject: 'guest', namespace: 'guest', auth: GUEST_AUTH },
      { subject: 'whisk.system', namespace: 'whisk.system', auth: SYSTEM_AUTH },
    ]);
  });

  it('refuses a public key given explicitly, each in one line naming the variable, and knows it by uuid alone', () => {
    const problems = problemsOf({ WISP_GUEST_AUTH: GUEST_AUTH, WISP_SYSTEM_AUTH: `${SYSTEM_AUTH.split(':')[0]}:anotherSecret42` });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^WISP_GUEST_AUTH is one of OpenWhisk's public development keys, which anyone can read: .*WISP_ALLOW_DEV_KEYS=true/);
    expect(problems[1]).toMatch(/^WISP_SYSTEM_AUTH is one of OpenWhisk's public development keys/);
  });

  it('takes a private key as the guest or system key', () => {
    const auth = 'a1b2c3d4-0000-4000-8000-000000000001:privateKeyOfThisDeploymentOnly';
    expect(loadControllerConfig({ ...TEST_MESSAGE_KEY_ENV, WISP_GUEST_AUTH: auth }).bootstrap).toEqual([{ subject: 'guest', namespace: 'guest', auth }]);
  });

  it('reports a malformed WISP_ALLOW_DEV_KEYS with the other problems', () => {
    expect(problemsOf({ WISP_ALLOW_DEV_KEYS: 'perhaps', WISP_GUEST_AUTH: 'nokey' })).toHaveLength(2);
  });
});
