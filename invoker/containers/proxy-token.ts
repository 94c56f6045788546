import { randomBytes } from 'node:crypto';

// Each container's runtime proxy answers only whoever holds its token (common/protocol/
// runtime-protocol.ts PROXY_TOKEN_ENV): the invoker that made it. 32 random bytes, so a host
// process that can reach the container's port cannot guess it.

const TOKEN_BYTES = 32;

export function newProxyToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}
