import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IdentityDoc } from './identity';

// OpenWhisk's well-known development credentials, bootstrapped by the standalone profile
// unless others are configured (DESIGN.md §2).
export const GUEST_AUTH = '23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP';
export const SYSTEM_AUTH = '789c46b1-71f6-4ed5-8c54-816aa4f8c502:abczO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP';

/** True for OpenWhisk's public guest or whisk.system key, by uuid alone: the uuid is as public as the key. */
export function isPublicDevKey(auth: string): boolean {
  const uuid = auth.split(':', 1)[0];
  return PUBLIC_DEV_KEYS.some((known) => known.startsWith(`${uuid}:`));
}

export const PUBLIC_DEV_KEYS: readonly string[] = [GUEST_AUTH, SYSTEM_AUTH];

export function hashKey(salt: string, key: string): string {
  return createHash('sha256').update(salt).update(':').update(key).digest('hex');
}

export function makeIdentityDoc(subject: string, namespace: string, auth: string, created = Date.now()): IdentityDoc {
  const { uuid, key } = splitAuth(auth);
  const keySalt = randomBytes(16).toString('hex');
  return { entityType: 'identity', subject, namespace, uuid, keySalt, keyHash: hashKey(keySalt, key), created };
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

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const KEY_LENGTH = 64;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEY_PATTERN = /^[A-Za-z0-9]{64}$/;

/** A fresh `uuid:key` as wskadmin issues them: a v4 uuid and a 64-character alphanumeric key. */
export function generateAuth(): string {
  return `${randomUUID()}:${randomKey()}`;
}

function randomKey(): string {
  let key = '';
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 62).
  const limit = 256 - (256 % KEY_ALPHABET.length);
  while (key.length < KEY_LENGTH) {
    for (const byte of randomBytes(KEY_LENGTH * 2)) {
      if (byte < limit && key.length < KEY_LENGTH) key += KEY_ALPHABET[byte % KEY_ALPHABET.length];
    }
  }
  return key;
}

/** Why `auth` is not a `uuid:key` as OpenWhisk issues them (uuid, then exactly 64 letters or digits), or undefined. */
export function authProblem(auth: string): string | undefined {
  const { uuid, key } = splitAuth(auth);
  if (!auth.includes(':')) return `'${auth.slice(0, 80)}' is not of the form uuid:key`;
  if (!UUID_PATTERN.test(uuid)) return `'${uuid.slice(0, 80)}' is not a uuid (like 23bc46b1-71f6-4ed5-8c54-816aa4f8c502)`;
  if (!KEY_PATTERN.test(key)) return `the key must be exactly ${KEY_LENGTH} letters or digits, but has ${key.length} characters${/^[A-Za-z0-9]*$/.test(key) ? '' : ' with others than letters or digits'}`;
  return undefined;
}

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
