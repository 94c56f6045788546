import { isActivationId } from '../ids';
import { seal, type MessageKey } from './message-seal';

// The one envelope shape that activation messages and sequence jobs share on the bus: readable
// routing fields, the user's subject and namespace in clear, and the secret fields sealed
// (ADR 0014). Reading one never throws: a failure carries whatever ids could be read, so the
// reader can still record or dead-letter it.

export interface EnvelopeFailure {
  readonly ok: false;
  readonly reason: string;
  readonly activationId?: string;
  readonly controllerId?: string;
  readonly transid?: string;
}

export interface OpenedEnvelope {
  readonly ok: true;
  readonly fields: Record<string, unknown>;
  /** A valid activation id, when the envelope has one. */
  readonly activationId?: string;
  /** A failure that names the ids this envelope carried. */
  fail(reason: string): EnvelopeFailure;
}

export function readEnvelope(raw: Buffer): OpenedEnvelope | EnvelopeFailure {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, reason: 'not an object' };
  const fields = parsed as Record<string, unknown>;
  const activationId = typeof fields.activationId === 'string' && isActivationId(fields.activationId) ? fields.activationId : undefined;
  const controllerId = typeof fields.controllerId === 'string' ? fields.controllerId : undefined;
  const transid = typeof fields.transid === 'string' ? fields.transid : undefined;
  return {
    ok: true,
    fields,
    ...(activationId ? { activationId } : {}),
    fail: (reason) => ({ ok: false, reason, ...(activationId ? { activationId } : {}), ...(controllerId ? { controllerId } : {}), ...(transid ? { transid } : {}) }),
  };
}

/** The envelope's bytes: `envelope` in clear with the user's subject and namespace, `secret` sealed under `associatedData`. */
export function writeEnvelope(envelope: Record<string, unknown>, user: { readonly subject: string; readonly namespace: string }, secret: unknown, key: MessageKey, associatedData: Buffer): Buffer {
  const sealed = seal(key, Buffer.from(JSON.stringify(secret)), associatedData);
  return Buffer.from(JSON.stringify({ ...envelope, user: { subject: user.subject, namespace: user.namespace }, sealed }));
}
