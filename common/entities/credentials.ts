import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IdentityDoc } from './identity';

// OpenWhisk's well-known development credentials, bootstrapped by the standalone profile
// unless others are configured (DESIGN.md §2).
export const GUEST_AUTH = '23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP';
export const SYSTEM_AUTH = '789c46b1-71f6-4ed5-8c54-816aa4f8c502:abczO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP';

export function hashKey(salt: string, key: string): string {
  return createHash('sha256').update(salt).update(':').update(key).digest('hex');
}

export function makeIdentityDoc(subject: string, namespace: string, auth: string): IdentityDoc {
  const { uuid, key } = splitAuth(auth);
  const keySalt = randomBytes(16).toString('hex');
  return { entityType: 'identity', subject, namespace, uuid, keySalt, keyHash: hashKey(keySalt, key) };
}

export function splitAuth(auth: string): { uuid: string; key: string } {
  const colon = auth.indexOf(':');
  return colon < 0 ? { uuid: auth, key: '' } : { uuid: auth.slice(0, colon), key: auth.slice(colon + 1) };
}

export function keyMatches(doc: IdentityDoc, key: string): boolean {
  const given = Buffer.from(hashKey(doc.keySalt, key), 'hex');
  const stored = Buffer.from(doc.keyHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
