import { Writable } from 'node:stream';
import { createLogger } from './logger';

/** A logger writing into memory, and the lines it wrote as parsed JSON. */
function capture(): { logger: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[]; text: () => string } {
  let written = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written += chunk.toString();
      done();
    },
  });
  const logger = createLogger({ service: 'test', level: 'info', destination });
  return {
    logger,
    text: () => written,
    lines: () =>
      written
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger redaction', () => {
  it('redacts secret fields at the top level and one object down', () => {
    const { logger, lines, text } = capture();
    logger.info(
      {
        authKey: 'top-auth-key',
        apiKey: 'top-api-key',
        api_key: 'top-api_key',
        password: 'top-password',
        authorization: 'Basic dG9wOnNlY3JldA==',
        params: { secret: 'action-parameter' },
        identity: { subject: 'guest', authKey: 'nested-auth-key' },
        client: { apiKey: 'nested-api-key', api_key: 'nested-api_key', password: 'nested-password' },
        req: { method: 'GET', headers: { authorization: 'Basic cmVxOnNlY3JldA==', accept: 'application/json' } },
        upstream: { headers: { authorization: 'Bearer upstream-token', 'content-type': 'application/json' } },
      },
      'nested secrets',
    );
    const [line] = lines();
    expect(line).toMatchObject({
      msg: 'nested secrets',
      authKey: '[redacted]',
      apiKey: '[redacted]',
      api_key: '[redacted]',
      password: '[redacted]',
      authorization: '[redacted]',
      params: '[redacted]',
      identity: { subject: 'guest', authKey: '[redacted]' },
      client: { apiKey: '[redacted]', api_key: '[redacted]', password: '[redacted]' },
      req: { method: 'GET', headers: { authorization: '[redacted]', accept: 'application/json' } },
      upstream: { headers: { authorization: '[redacted]', 'content-type': 'application/json' } },
    });
    for (const secret of ['top-auth-key', 'top-api-key', 'top-api_key', 'top-password', 'dG9wOnNlY3JldA', 'action-parameter', 'nested-auth-key', 'nested-api-key', 'nested-api_key', 'nested-password', 'cmVxOnNlY3JldA', 'upstream-token']) {
      expect(text()).not.toContain(secret);
    }
  });

  it('redacts secrets bound to a child logger as well as those logged', () => {
    const { logger, text, lines } = capture();
    logger.child({ component: 'auth', client: { apiKey: 'bound-api-key' } }).info({ user: { password: 'logged-password' } }, 'child line');
    expect(lines()[0]).toMatchObject({ component: 'auth', user: { password: '[redacted]' } });
    expect(text()).not.toContain('logged-password');
    expect(text()).not.toContain('bound-api-key');
  });

  it('leaves fields that are not secrets alone', () => {
    const { logger, lines } = capture();
    logger.info({ activationId: 'a'.repeat(32), namespace: 'guest', keys: { count: 2 } }, 'plain line');
    expect(lines()[0]).toMatchObject({ activationId: 'a'.repeat(32), namespace: 'guest', keys: { count: 2 } });
  });
});
