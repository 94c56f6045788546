import { GUEST_AUTH, authProblem, generateAuth, keyMatches, makeIdentityDoc, splitAuth } from './credentials';

describe('credentials', () => {
  it('generates uuid:key as wskadmin does: a v4 uuid and 64 letters or digits, never twice the same', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const auth = generateAuth();
      expect(auth).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}:[A-Za-z0-9]{64}$/);
      expect(authProblem(auth)).toBeUndefined();
      seen.add(auth);
    }
    expect(seen.size).toBe(200);
  });

  it.each([
    ['nocolon', "'nocolon' is not of the form uuid:key"],
    ['abc:' + 'k'.repeat(64), "'abc' is not a uuid (like 23bc46b1-71f6-4ed5-8c54-816aa4f8c502)"],
    ['23bc46b1-71f6-4ed5-8c54-816aa4f8c502:short', 'the key must be exactly 64 letters or digits, but has 5 characters'],
    ['23bc46b1-71f6-4ed5-8c54-816aa4f8c502:' + '-'.repeat(64), 'the key must be exactly 64 letters or digits, but has 64 characters with others than letters or digits'],
  ])('explains why %s is not a key', (auth, problem) => {
    expect(authProblem(auth)).toBe(problem);
  });

  it('accepts the well-known guest key, and stores only a salted hash that matches the key alone', () => {
    expect(authProblem(GUEST_AUTH)).toBeUndefined();
    const doc = makeIdentityDoc('guest', 'guest', GUEST_AUTH, 1);
    const { key } = splitAuth(GUEST_AUTH);
    expect(JSON.stringify(doc)).not.toContain(key);
    expect(keyMatches(doc, key)).toBe(true);
    expect(keyMatches(doc, key.slice(1))).toBe(false);
    expect(keyMatches(makeIdentityDoc('guest', 'guest', GUEST_AUTH), key)).toBe(true);
    expect(makeIdentityDoc('guest', 'guest', GUEST_AUTH).keySalt).not.toBe(doc.keySalt);
  });
});
