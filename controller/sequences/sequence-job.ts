import { isConductorAction, type ActionDoc } from '../../common/entities/action';
import type { Identity } from '../../common/entities/identity';
import { isActivationId } from '../../common/ids';
import { unseal, type MessageKey } from '../../common/protocol/message-seal';
import type { Stored } from '../../common/spi/entity-store';
import { readEnvelope, writeEnvelope } from '../../common/protocol/sealed-envelope';

// A topmost sequence on the sequence topic (ADR 0016), from acceptance until its record is
// written. Laid out like an activation message: ids, routing and the names an operator or the
// undecodable-record path may read stay in the open; the caller's key (uuid too), the payload and the
// sequence's own document (its parameters may be secret) travel sealed under WISP_MESSAGE_KEY,
// bound to the envelope (ADR 0014).

export const SEQUENCE_JOB_VERSION = 1;

export interface SequenceJob {
  readonly v: typeof SEQUENCE_JOB_VERSION;
  readonly activationId: string;
  readonly transid: string;
  /** The controller that accepted the sequence: its completion subject gets the record's ack. */
  readonly controllerId: string;
  /** Where the sequence lives (`ns` or `ns/pkg`), its name and the revision resolved at acceptance. */
  readonly action: { readonly namespace: string; readonly name: string; readonly revision: string };
  readonly user: { readonly subject: string; readonly namespace: string; readonly uuid: string; readonly authKey: string };
  /** The sequence as it was resolved at acceptance: a replay runs what the caller invoked. */
  readonly doc: ActionDoc;
  readonly payload: Record<string, unknown> | unknown[];
  readonly blocking: boolean;
  /** epoch ms when the controller accepted the invoke. */
  readonly acceptedAt: number;
  /** epoch ms after which a job not yet started (or replayed) is recorded as failed instead. */
  readonly deadline: number;
  readonly cause?: string;
  readonly causedBy?: 'trigger';
  /** `ns/trigger` of the rule that invoked the sequence (the records' `trigger` annotation). */
  readonly trigger?: string;
  readonly binding?: string;
}

export type SequenceJobDecodeResult =
  | { readonly ok: true; readonly job: SequenceJob }
  | { readonly ok: false; readonly reason: string; readonly activationId?: string; readonly controllerId?: string; readonly transid?: string };

interface SealedFields {
  readonly uuid: string;
  readonly authKey: string;
  readonly payload: SequenceJob['payload'];
  readonly doc: ActionDoc;
}

function associatedData(m: { activationId: string; controllerId: string; user: { subject: string; namespace: string }; action: { namespace: string; name: string; revision: string } }): Buffer {
  return Buffer.from(['wisp-sequence', SEQUENCE_JOB_VERSION, m.activationId, m.controllerId, m.user.subject, m.user.namespace, m.action.namespace, m.action.name, m.action.revision].join('\n'));
}

export function sequenceJobIdentity(job: SequenceJob): Identity {
  return { subject: job.user.subject, namespace: job.user.namespace, uuid: job.user.uuid, authKey: job.user.authKey };
}

export function sequenceJobAction(job: SequenceJob): Stored<ActionDoc> {
  return { revision: job.action.revision, doc: job.doc };
}

/**
 * A conductor action's code stays out of its job: the steps' activation messages name the
 * action's revision and the invoker reads the code from the store, while the job must fit the
 * topic's 2 MB messages and the code may be 48 MB.
 */
function withoutCode(doc: ActionDoc): ActionDoc {
  return 'code' in doc.exec && doc.exec.code !== undefined ? { ...doc, exec: { ...doc.exec, code: '' } } : doc;
}

export function encodeSequenceJob(job: SequenceJob, key: MessageKey): Buffer {
  const { user, payload, doc: fullDoc, ...envelope } = job;
  const doc = withoutCode(fullDoc);
  const secret: SealedFields = { uuid: user.uuid, authKey: user.authKey, payload, doc };
  return writeEnvelope(envelope, user, secret, key, associatedData(job));
}

/** Never throws: a job that cannot be decoded is reported with whatever ids could be read. */
export function decodeSequenceJob(raw: Buffer, key: MessageKey): SequenceJobDecodeResult {
  const envelopeRead = readEnvelope(raw);
  if (!envelopeRead.ok) return envelopeRead;
  const { fields: m, activationId, fail } = envelopeRead;
  const controllerId = typeof m.controllerId === 'string' ? m.controllerId : undefined;
  const transid = typeof m.transid === 'string' ? m.transid : undefined;
  if (m.v !== SEQUENCE_JOB_VERSION) return fail(`unsupported sequence job version ${String(m.v)}`);
  if (!activationId) return fail('missing or invalid activationId');
  if (!controllerId || !transid) return fail('missing controllerId or transid');
  const action = m.action as Record<string, unknown> | undefined;
  if (!action || typeof action.namespace !== 'string' || typeof action.name !== 'string' || typeof action.revision !== 'string') return fail('missing or invalid action');
  const user = m.user as Record<string, unknown> | undefined;
  if (!user || typeof user.subject !== 'string' || typeof user.namespace !== 'string') return fail('missing or invalid user');
  if (typeof m.blocking !== 'boolean' || typeof m.acceptedAt !== 'number' || typeof m.deadline !== 'number') return fail('missing blocking, acceptedAt or deadline');
  if (m.cause !== undefined && (typeof m.cause !== 'string' || !isActivationId(m.cause))) return fail('invalid cause');
  if (m.causedBy !== undefined && m.causedBy !== 'trigger') return fail('invalid causedBy');
  if (m.binding !== undefined && typeof m.binding !== 'string') return fail('invalid binding');
  if (m.trigger !== undefined && typeof m.trigger !== 'string') return fail('invalid trigger');
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
  if (typeof secret.authKey !== 'string' || typeof secret.uuid !== 'string') return fail('missing or invalid user');
  if (typeof secret.payload !== 'object' || secret.payload === null) return fail('payload is not an object or array');
  const doc = secret.doc as Partial<ActionDoc> | undefined;
  if (typeof doc !== 'object' || doc === null || typeof doc.exec !== 'object' || doc.exec === null || typeof doc.limits !== 'object') return fail('sealed document is not a sequence');
  if (doc.exec.kind !== 'sequence' && !(Array.isArray(doc.annotations) && isConductorAction(doc as ActionDoc))) return fail('sealed document is not a sequence or a conductor action');
  const { sealed: _sealed, ...envelope } = m;
  const job = { ...envelope, user: { subject: user.subject, namespace: user.namespace, uuid: secret.uuid, authKey: secret.authKey }, payload: secret.payload, doc: secret.doc };
  return { ok: true, job: job as unknown as SequenceJob };
}
