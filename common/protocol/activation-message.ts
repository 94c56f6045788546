import type { ActionLimits } from '../entities/limits';
import { unseal, type MessageKey } from './message-seal';
import { readEnvelope, writeEnvelope } from './sealed-envelope';

// Controller → invoker. Versioned envelope; carries the action's name and revision, never its
// code (the invoker fetches code by revision and caches it). On the bus the caller's key and the
// parameters travel sealed (AES-256-GCM under WISP_MESSAGE_KEY, ADR 0014): `sealed` holds
// `{authKey, content}`, bound to the envelope's ids; everything else stays readable so a reaper
// or an operator can route and account for a message without opening it.

export const ACTIVATION_MESSAGE_VERSION = 2;

export interface ActivationMessage {
  readonly v: typeof ACTIVATION_MESSAGE_VERSION;
  readonly activationId: string;
  readonly transid: string;
  /** Where the ack goes: the controller's completion subject is derived from this id. */
  readonly controllerId: string;
  /** Fully qualified action: namespace (`ns` or `ns/pkg`), name, and the revision the controller resolved. */
  readonly action: { readonly namespace: string; readonly name: string; readonly revision: string; readonly version: string };
  readonly limits: ActionLimits;
  readonly kind: string;
  /** The caller's identity: subject, namespace, and the `uuid:key` handed to the action. */
  readonly user: { readonly subject: string; readonly namespace: string; readonly authKey: string };
  readonly content: Record<string, unknown> | unknown[];
  readonly blocking: boolean;
  /** epoch ms when the controller accepted the request (for waitTime). */
  readonly acceptedAt: number;
  readonly cause?: string;
  /** What `cause` names: an enclosing sequence, or the trigger activation whose rule invoked this. */
  readonly causedBy?: 'sequence' | 'trigger';
  /** `ns/binding` when the action was invoked through a package binding (annotated on the record). */
  readonly binding?: string;
  /** `ns/trigger` when a rule of that trigger invoked it (annotated on the record, indexed for queries). */
  readonly trigger?: string;
}

export type DecodeResult =
  | { readonly ok: true; readonly message: ActivationMessage }
  | { readonly ok: false; readonly reason: string; readonly activationId?: string; readonly controllerId?: string; readonly transid?: string };

/** The secret part of a message, as it is sealed. */
interface SealedFields {
  readonly authKey: string;
  readonly content: ActivationMessage['content'];
}

/** What the sealed blob is bound to: moved into a message for another activation, caller or action, it does not open. */
function associatedData(m: { activationId: string; controllerId: string; user: { subject: string; namespace: string }; action: { namespace: string; name: string; revision: string } }): Buffer {
  return Buffer.from(['wisp-activation', ACTIVATION_MESSAGE_VERSION, m.activationId, m.controllerId, m.user.subject, m.user.namespace, m.action.namespace, m.action.name, m.action.revision].join('\n'));
}

export function encodeActivationMessage(message: ActivationMessage, key: MessageKey): Buffer {
  const { user, content, ...envelope } = message;
  const secret: SealedFields = { authKey: user.authKey, content };
  return writeEnvelope(envelope, user, secret, key, associatedData(message));
}

/** Never throws: a message that cannot be decoded is reported with whatever id could be read. */
export function decodeActivationMessage(raw: Buffer, key: MessageKey): DecodeResult {
  const envelopeRead = readEnvelope(raw);
  if (!envelopeRead.ok) return envelopeRead;
  const { fields: m, activationId, fail } = envelopeRead;
  const controllerId = typeof m.controllerId === 'string' ? m.controllerId : undefined;
  const transid = typeof m.transid === 'string' ? m.transid : undefined;
  if (m.v !== ACTIVATION_MESSAGE_VERSION) return fail(`unsupported envelope version ${String(m.v)}`);
  if (!activationId) return fail('missing or invalid activationId');
  if (!controllerId || !transid) return fail('missing controllerId or transid');
  const action = m.action as Record<string, unknown> | undefined;
  if (!action || typeof action.namespace !== 'string' || typeof action.name !== 'string' || typeof action.revision !== 'string' || typeof action.version !== 'string') {
    return fail('missing or invalid action');
  }
  const user = m.user as Record<string, unknown> | undefined;
  if (!user || typeof user.subject !== 'string' || typeof user.namespace !== 'string') {
    return fail('missing or invalid user');
  }
  const limits = m.limits as Record<string, unknown> | undefined;
  if (!limits || !['timeout', 'memory', 'logs', 'concurrency'].every((k) => typeof limits[k] === 'number')) {
    return fail('missing or invalid limits');
  }
  const gpu = limits.gpu as Record<string, unknown> | undefined;
  if (gpu !== undefined && (typeof gpu !== 'object' || gpu === null || !Number.isInteger(gpu.memory) || !Number.isInteger(gpu.count))) {
    return fail('invalid limits.gpu');
  }
  if (typeof m.kind !== 'string' || typeof m.blocking !== 'boolean' || typeof m.acceptedAt !== 'number') return fail('missing kind, blocking or acceptedAt');
  if (typeof m.sealed !== 'string') return fail('missing sealed fields');
  const bound = { activationId, controllerId, user: { subject: user.subject, namespace: user.namespace }, action: action as { namespace: string; name: string; revision: string } };
  const opened = unseal(key, m.sealed, associatedData(bound));
  if (!opened) return fail('its sealed fields do not open: sealed under another WISP_MESSAGE_KEY, or altered');
  let secret: Partial<SealedFields>;
  try {
    secret = JSON.parse(opened.toString('utf8')) as Partial<SealedFields>;
  } catch {
    return fail('sealed fields are not JSON');
  }
  if (typeof secret.authKey !== 'string') return fail('missing or invalid user');
  if (typeof secret.content !== 'object' || secret.content === null) return fail('content is not an object or array');
  const { sealed: _sealed, ...envelope } = m;
  const message = { ...envelope, user: { subject: user.subject, namespace: user.namespace, authKey: secret.authKey }, content: secret.content };
  return { ok: true, message: message as unknown as ActivationMessage };
}
