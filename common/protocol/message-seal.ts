import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// AES-256-GCM for the fields of a bus message that must not be readable on the bus (ADR 0014).
// A sealed value is base64 of iv (12 bytes) | tag (16 bytes) | ciphertext. The associated data
// binds it to its envelope, so a sealed blob moved into another message does not open.

/** 32 bytes that every controller and invoker of one deployment share (WISP_MESSAGE_KEY). */
export type MessageKey = Buffer & { readonly __messageKey: true };

export const MESSAGE_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A key from its text form: 64 hex digits, or base64 (or base64url) of exactly 32 bytes. */
export function parseMessageKey(text: string): MessageKey | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex') as MessageKey;
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return undefined;
  const bytes = Buffer.from(trimmed, 'base64');
  return bytes.length === MESSAGE_KEY_BYTES ? (bytes as MessageKey) : undefined;
}

/** A fresh random key in the text form parseMessageKey reads. */
export function generateMessageKeyText(): string {
  return randomBytes(MESSAGE_KEY_BYTES).toString('base64');
}

export function seal(key: MessageKey, plaintext: Buffer, associatedData: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

/** The plaintext, or undefined for a wrong key, a tampered blob or associated data that differ. Never throws. */
export function unseal(key: MessageKey, sealed: string, associatedData: Buffer): Buffer | undefined {
  try {
    const bytes = Buffer.from(sealed, 'base64');
    if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(associatedData);
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}
