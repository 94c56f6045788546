import { isPublishableSubject, isSubscribablePattern, subjectMatches } from './subject-pattern';

describe('subjectMatches', () => {
  it.each([
    ['a.b.c', 'a.b.c', true],
    ['a.b.c', 'a.b', false],
    ['a.b', 'a.b.c', false],
    ['a.*.c', 'a.x.c', true],
    ['a.*.c', 'a.x.y.c', false],
    ['a.*', 'a', false],
    ['a.>', 'a.b', true],
    ['a.>', 'a.b.c.d', true],
    ['a.>', 'a', false],
    ['>', 'anything.at.all', true],
    ['*.b.>', 'x.b.c', true],
    ['*.b.>', 'x.c.c', false],
    ['a.>.c', 'a.b.c', false],
  ])('%s against %s is %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });

  it('validates subjects and patterns as NATS does', () => {
    expect(isPublishableSubject('a.b')).toBe(true);
    expect(isPublishableSubject('a.*')).toBe(false);
    expect(isPublishableSubject('a..b')).toBe(false);
    expect(isPublishableSubject('a b')).toBe(false);
    expect(isSubscribablePattern('a.*.>')).toBe(true);
    expect(isSubscribablePattern('a.>.b')).toBe(false);
    expect(isSubscribablePattern('')).toBe(false);
  });
});
