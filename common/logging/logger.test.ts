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

describe('createLogger redaction at any depth', () => {
  const KEY = '23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP';

  it('censors secrets five objects down, in arrays, and whatever the key spelling', () => {
    const { logger, text, lines } = capture();
    logger.info(
      {
        a: { b: { c: { d: { authKey: 'deep-auth-key', e: { headers: { Authorization: 'Basic ZGVlcDpzZWNyZXQ=' } } } } } },
        list: [{ user: { password: 'in-array-password' } }, [[{ 'x-api-key': 'in-nested-array' }]]],
        env: { __OW_API_KEY: 'env-api-key', API_KEY: 'upper-api-key', 'Proxy-Authorization': 'proxy-secret' },
        rawHeaders: ['Authorization', 'Bearer rawheadertoken123', 'Accept', 'text/plain'],
        note: `called with ${KEY} by mistake`,
      },
      'deep',
    );
    const out = text();
    for (const secret of ['deep-auth-key', 'ZGVlcDpzZWNyZXQ', 'in-array-password', 'env-api-key', 'upper-api-key', 'proxy-secret', 'in-nested-array', 'rawheadertoken123', KEY.split(':')[1]!]) {
      expect(out).not.toContain(secret);
    }
    expect(lines()[0]).toMatchObject({
      a: { b: { c: { d: { authKey: '[redacted]', e: { headers: { Authorization: '[redacted]' } } } } } },
      list: [{ user: { password: '[redacted]' } }, [[{ 'x-api-key': '[redacted]' }]]],
      rawHeaders: ['Authorization', '[redacted]', 'Accept', 'text/plain'],
      note: 'called with [redacted] by mistake',
    });
  });

  it('censors secrets inside an error, its own fields and its cause, keeping message and stack', () => {
    const { logger, text, lines } = capture();
    const cause = Object.assign(new Error('inner'), { request: { headers: { authorization: 'Basic Y2F1c2U6c2VjcmV0' } } });
    const err = Object.assign(new Error('upstream failed', { cause }), { config: { auth: { password: 'error-password' }, apiKey: 'error-api-key' } });
    logger.error(err, 'as the first argument');
    logger.error({ err, context: { nested: { failure: err } } }, 'as a field and deeper');
    const out = text();
    for (const secret of ['Y2F1c2U6c2VjcmV0', 'error-password', 'error-api-key']) expect(out).not.toContain(secret);
    const [first, second] = lines();
    expect(first).toMatchObject({ err: { type: 'Error', message: expect.stringContaining('upstream failed'), stack: expect.stringContaining('upstream failed'), config: { auth: { password: '[redacted]' }, apiKey: '[redacted]' } } });
    expect(second).toMatchObject({ err: { type: 'Error' }, context: { nested: { failure: { type: 'Error', message: expect.stringContaining('upstream failed') } } } });
  });

  it('censors deep secrets bound on a grandchild logger', () => {
    const { logger, text } = capture();
    logger.child({ a: 1 }).child({ ctx: { user: { identity: { authKey: 'grandchild-key' } } } }).info('bound');
    expect(text()).not.toContain('grandchild-key');
  });

  it('is bounded: a cyclic or very deep object is cut, not walked forever', () => {
    const { logger, lines } = capture();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    let deep: Record<string, unknown> = { password: 'bottom' };
    for (let i = 0; i < 50; i += 1) deep = { next: deep };
    const wide = Array.from({ length: 20000 }, (_, i) => ({ i }));
    logger.info({ cyclic, deep, wide }, 'bounded');
    const [line] = lines();
    expect(line).toMatchObject({ cyclic: { name: 'loop', self: '[circular]' } });
    expect(JSON.stringify(line)).toContain('[too deep]');
    expect(JSON.stringify(line)).not.toContain('bottom');
    expect(JSON.stringify(line)).toContain('[truncated]');
  });
});
