// NATS subject matching, for the in-process SignalBus: tokens split on '.', '*' matches exactly one
// token, '>' as the last token matches one or more. Kept identical to the server's rules so that a
// pattern that works in standalone works on NATS.

export function subjectMatches(pattern: string, subject: string): boolean {
  const patternTokens = pattern.split('.');
  const subjectTokens = subject.split('.');
  for (let at = 0; at < patternTokens.length; at++) {
    const token = patternTokens[at];
    if (token === '>' && at === patternTokens.length - 1) return subjectTokens.length > at;
    if (at >= subjectTokens.length) return false;
    if (token !== '*' && token !== subjectTokens[at]) return false;
  }
  return patternTokens.length === subjectTokens.length;
}

/** Whether a subject is valid to publish on: non-empty tokens, no wildcards, no whitespace. */
export function isPublishableSubject(subject: string): boolean {
  return subject.split('.').every((token) => token.length > 0 && token !== '*' && token !== '>' && !/\s/.test(token));
}

/** Whether a pattern is valid to subscribe to: non-empty tokens, '>' only last. */
export function isSubscribablePattern(pattern: string): boolean {
  const tokens = pattern.split('.');
  return tokens.every((token, at) => token.length > 0 && !/\s/.test(token) && (token !== '>' || at === tokens.length - 1));
}
