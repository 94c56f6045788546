import { randomBytes } from 'node:crypto';

// Activation ids are OpenWhisk's: 32 lowercase hex characters. Transaction ids travel in
// X-Request-ID, message envelopes and the /run payload.

export const ACTIVATION_ID_PATTERN = /^[0-9a-f]{32}$/;

export function newActivationId(): string {
  return randomBytes(16).toString('hex');
}

export function newTransactionId(): string {
  return randomBytes(16).toString('hex');
}

export function isActivationId(value: string): boolean {
  return ACTIVATION_ID_PATTERN.test(value);
}
