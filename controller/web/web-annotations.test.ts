import { isAnnotated, webAuthAllowed } from './web-annotations';

const with_ = (value: unknown) => [{ key: 'require-whisk-auth', value }];

describe('web action annotations', () => {
  it('reads a boolean annotation as OpenWhisk writes it', () => {
    expect(isAnnotated([{ key: 'web-export', value: true }], 'web-export')).toBe(true);
    expect(isAnnotated([{ key: 'web-export', value: 'true' }], 'web-export')).toBe(true);
    expect(isAnnotated([{ key: 'web-export', value: false }], 'web-export')).toBe(false);
    expect(isAnnotated([{ key: 'web-export', value: 'yes' }], 'web-export')).toBe(false);
    expect(isAnnotated([], 'web-export')).toBe(false);
  });

  it('lets everyone in without require-whisk-auth, or with it false', () => {
    expect(webAuthAllowed([], {}, 'guest')).toBe(true);
    expect(webAuthAllowed(with_(false), {}, 'guest')).toBe(true);
  });

  it('compares a string or number secret with X-Require-Whisk-Auth', () => {
    expect(webAuthAllowed(with_('s3cret'), { secret: 's3cret' }, 'guest')).toBe(true);
    expect(webAuthAllowed(with_('s3cret'), { secret: 's3cre' }, 'guest')).toBe(false);
    expect(webAuthAllowed(with_('s3cret'), {}, 'guest')).toBe(false);
    expect(webAuthAllowed(with_('s3cret'), { namespace: 'guest' }, 'guest')).toBe(false);
    expect(webAuthAllowed(with_(1234), { secret: '1234' }, 'guest')).toBe(true);
    expect(webAuthAllowed(with_(1234), { secret: '12345' }, 'guest')).toBe(false);
  });

  it('with true, needs a valid key of the action owner namespace', () => {
    expect(webAuthAllowed(with_(true), { namespace: 'guest' }, 'guest')).toBe(true);
    expect(webAuthAllowed(with_(true), { namespace: 'other' }, 'guest')).toBe(false);
    expect(webAuthAllowed(with_(true), { secret: 'true' }, 'guest')).toBe(false);
  });

  it('lets no one in for a value it cannot read', () => {
    expect(webAuthAllowed(with_({ a: 1 }), { secret: '[object Object]', namespace: 'guest' }, 'guest')).toBe(false);
    expect(webAuthAllowed(with_(null), { namespace: 'guest' }, 'guest')).toBe(false);
  });
});
