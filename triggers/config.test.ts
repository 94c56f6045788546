import { isConfigError } from '../common/config/env-reader';
import { loadTriggersConfig } from './config';

const KEY = { WISP_MESSAGE_KEY: 'ab'.repeat(32) };

describe('loadTriggersConfig', () => {
  it('has defaults for everything but the message key', () => {
    const config = loadTriggersConfig(KEY);
    expect(config).toMatchObject({ apiUrl: 'http://127.0.0.1:3233', scanMs: 1000, leaseMs: 10_000, backoff: { firstMs: 1000, maxMs: 60_000 }, fireTimeoutMs: 30_000 });
    expect(config.instanceId).toMatch(/^triggers-/);
    expect(loadTriggersConfig(KEY).instanceId).not.toBe(config.instanceId);
  });

  it('reports every problem at once, never echoing the key', () => {
    let problems: readonly string[] = [];
    try {
      loadTriggersConfig({ WISP_MESSAGE_KEY: 'not-a-key', WISP_TRIGGERS_API_URL: 'controller:3233', WISP_TRIGGERS_SCAN_MS: '1000', WISP_TRIGGERS_LEASE_MS: '2000', WISP_TRIGGERS_ID: 'has space' });
    } catch (err) {
      if (!isConfigError(err)) throw err;
      problems = err.problems;
    }
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/WISP_TRIGGERS_API_URL must be an http\(s\) URL/);
    expect(problems.join('\n')).toMatch(/WISP_TRIGGERS_LEASE_MS \(2000\) must be at least 3 × WISP_TRIGGERS_SCAN_MS \(1000\)/);
    expect(problems.join('\n')).toMatch(/WISP_TRIGGERS_ID must be/);
    expect(problems.join('\n')).toMatch(/WISP_MESSAGE_KEY must be 32 bytes/);
    expect(problems.join('\n')).not.toContain('not-a-key');
  });
});
