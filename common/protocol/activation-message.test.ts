import { DEFAULT_LIMITS } from '../entities/limits';
import { ACTIVATION_MESSAGE_VERSION, decodeActivationMessage, encodeActivationMessage, type ActivationMessage } from './activation-message';
import { generateMessageKeyText, parseMessageKey, type MessageKey } from './message-seal';

const key = parseMessageKey(generateMessageKeyText())!;
const AUTH = '23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP';

function message(overrides: Partial<ActivationMessage> = {}): ActivationMessage {
  return {
    v: ACTIVATION_MESSAGE_VERSION,
    activationId: 'a'.repeat(32),
    transid: 't1',
    controllerId: 'controller0',
    action: { namespace: 'alice', name: 'payroll', revision: '3-abc', version: '0.0.3' },
    limits: DEFAULT_LIMITS,
    kind: 'nodejs:20',
    user: { subject: 'alice', namespace: 'alice', authKey: AUTH },
    content: { password: 'hunter2-parameter', nested: [{ token: 'array-parameter' }] },
    blocking: true,
    acceptedAt: 1718000000000,
    ...overrides,
  };
}

const wire = (bytes: Buffer) => JSON.parse(bytes.toString('utf8')) as Record<string, unknown> & { sealed: string; user: Record<string, unknown> };

describe('activation message envelope', () => {
  it('round-trips through its sealed form', () => {
    const original = message();
    expect(decodeActivationMessage(encodeActivationMessage(original, key), key)).toEqual({ ok: true, message: original });
  });

  it('puts neither the caller key nor a parameter value in the bytes, but keeps the routing fields readable', () => {
    const bytes = encodeActivationMessage(message(), key);
    const text = bytes.toString('utf8');
    for (const secret of [AUTH, AUTH.split(':')[1]!, 'hunter2-parameter', 'array-parameter', 'password']) expect(text).not.toContain(secret);
    expect(wire(bytes)).toMatchObject({ v: ACTIVATION_MESSAGE_VERSION, activationId: 'a'.repeat(32), user: { subject: 'alice', namespace: 'alice' }, action: { name: 'payroll' } });
    expect(wire(bytes).user).not.toHaveProperty('authKey');
    expect(wire(bytes)).not.toHaveProperty('content');
  });

  it('seals the same message differently each time (a fresh iv)', () => {
    expect(wire(encodeActivationMessage(message(), key)).sealed).not.toBe(wire(encodeActivationMessage(message(), key)).sealed);
  });

  const refused = (bytes: Buffer, with_: MessageKey = key) => decodeActivationMessage(bytes, with_);

  it('refuses a message sealed under another key, keeping the ids for the error record', () => {
    const other = parseMessageKey(generateMessageKeyText())!;
    expect(refused(encodeActivationMessage(message(), key), other)).toEqual({
      ok: false,
      reason: 'its sealed fields do not open: sealed under another WISP_MESSAGE_KEY, or altered',
      activationId: 'a'.repeat(32),
      controllerId: 'controller0',
      transid: 't1',
    });
  });

  it('refuses an altered ciphertext, a truncated one, and one that is not base64', () => {
    const original = wire(encodeActivationMessage(message(), key));
    const flipped = Buffer.from(original.sealed, 'base64');
    flipped[20]! ^= 0x80;
    for (const sealed of [flipped.toString('base64'), original.sealed.slice(0, 20), '%%%', '']) {
      const result = refused(Buffer.from(JSON.stringify({ ...original, sealed })));
      expect(result.ok).toBe(false);
    }
  });

  it('refuses a sealed blob moved into the envelope of another tenant, activation or action', () => {
    const original = wire(encodeActivationMessage(message(), key));
    const moved = [
      { ...original, user: { subject: 'mallory', namespace: 'mallory' } },
      { ...original, activationId: 'b'.repeat(32) },
      { ...original, action: { namespace: 'mallory', name: 'payroll', revision: '3-abc', version: '0.0.3' } },
    ];
    for (const envelope of moved) expect(refused(Buffer.from(JSON.stringify(envelope))).ok).toBe(false);
  });

  it('refuses a message of the previous, unsealed version and one without sealed fields', () => {
    const { sealed: _sealed, ...unsealed } = wire(encodeActivationMessage(message(), key));
    expect(refused(Buffer.from(JSON.stringify({ ...unsealed, v: 1, user: message().user, content: {} })))).toMatchObject({ ok: false, reason: 'unsupported envelope version 1' });
    expect(refused(Buffer.from(JSON.stringify(unsealed)))).toMatchObject({ ok: false, reason: 'missing sealed fields' });
  });
});

describe('message keys', () => {
  it('reads 64 hex digits or base64 of 32 bytes, and nothing else', () => {
    const bytes = Buffer.alloc(32, 7);
    expect(parseMessageKey(bytes.toString('hex'))).toEqual(bytes);
    expect(parseMessageKey(bytes.toString('base64'))).toEqual(bytes);
    expect(parseMessageKey(bytes.toString('base64url'))).toEqual(bytes);
    for (const text of ['', 'short', Buffer.alloc(16).toString('base64'), Buffer.alloc(33).toString('hex'), 'z'.repeat(64)]) expect(parseMessageKey(text)).toBeUndefined();
  });
});
