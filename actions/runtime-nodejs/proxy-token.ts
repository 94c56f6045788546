import { createHash, timingSafeEqual } from 'node:crypto';
import { PROXY_TOKEN_ENV } from '../../common/protocol/runtime-protocol';

// The container's secret (runtime-protocol.ts PROXY_TOKEN_ENV): taken out of the environment
// before any action code loads, so the action cannot read it from process.env nor hand it to a
// child process, then checked on every request.

/** Reads the token and removes it from `env`; undefined when the runtime was started without one. */
export function takeProxyToken(env: NodeJS.ProcessEnv): string | undefined {
  const token = env[PROXY_TOKEN_ENV];
  delete env[PROXY_TOKEN_ENV];
  return token === undefined || token === '' ? undefined : token;
}

/** Whether a request's header value is the token, compared in constant time (digests of equal length). */
export function tokenMatcher(token: string): (given: string | string[] | undefined) => boolean {
  const expected = digest(token);
  return (given) => typeof given === 'string' && timingSafeEqual(digest(given), expected);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
