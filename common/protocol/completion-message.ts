import type { ActivationRecord } from '../entities/activation';

// Invoker → controller ack over the signal bus. Carries the record without logs, or only the
// id when that is too large; the controller then reads the record from the store.

export const MAX_ACK_BYTES = 64 * 1024;

export interface CompletionMessage {
  readonly v: 1;
  readonly activationId: string;
  readonly invokerId: string;
  readonly record?: ActivationRecord;
}

export function encodeCompletion(activationId: string, invokerId: string, record: ActivationRecord): Buffer {
  const withRecord = Buffer.from(JSON.stringify({ v: 1, activationId, invokerId, record: { ...record, logs: [] } }));
  if (withRecord.length <= MAX_ACK_BYTES) return withRecord;
  return Buffer.from(JSON.stringify({ v: 1, activationId, invokerId }));
}

export function decodeCompletion(raw: Buffer): CompletionMessage | undefined {
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as Partial<CompletionMessage>;
    if (parsed.v !== 1 || typeof parsed.activationId !== 'string' || typeof parsed.invokerId !== 'string') return undefined;
    return parsed as CompletionMessage;
  } catch {
    return undefined;
  }
}

/** An ack that names the activation only: the controller reads the whole record, logs included, from the store. */
export function encodeIdOnlyCompletion(activationId: string, from: string): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, activationId, invokerId: from }));
}
