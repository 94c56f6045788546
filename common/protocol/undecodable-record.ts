import { errorResponse, type ActivationRecord } from '../entities/activation';
import { isValidName } from '../entities/entity-name';
import { Messages } from '../errors/messages';
import type { OutgoingMessage, ReceivedMessage } from '../spi/message-bus';

// The record written for an activation message that cannot be decoded but whose activation id
// can be read (ADR 0006): the caller waiting on that id gets a whisk internal error instead of
// waiting forever. Shared by the invoker, which reads such a message first, and the controller's
// reaper, which reads what a dead invoker left on its topic.

/** Namespace of records for messages whose user could not be read: not a valid entity name, so no user owns it. */
export const UNDECODABLE_NAMESPACE = '!undecodable';

/** The dead-letter topic as whoever creates it first makes it: kept for an operator for a week. */
export const DEAD_LETTER_TOPIC_OPTIONS = { partitions: 1, config: { 'max.message.bytes': '2097152', 'retention.ms': String(7 * 24 * 3600 * 1000) } };

export function undecodableRecord(activationId: string, reason: string, raw: Buffer, now: number, message: (reason: string) => string = Messages.undecodableMessage): ActivationRecord {
  const readable = readLeniently(raw);
  return {
    namespace: readable.namespace ?? UNDECODABLE_NAMESPACE,
    name: readable.name ?? UNDECODABLE_NAMESPACE,
    subject: readable.subject ?? UNDECODABLE_NAMESPACE,
    activationId,
    start: now,
    end: now,
    duration: 0,
    response: errorResponse(3, message(reason)),
    logs: [],
    version: '0.0.0',
    publish: false,
    annotations: [],
  };
}

/**
 * What goes to the dead-letter topic for an undecodable message without a readable id: its raw
 * bytes, with headers saying why and where it came from, for an operator to look at.
 */
export function deadLetterEntry(received: ReceivedMessage, reason: string): OutgoingMessage {
  return {
    value: received.value,
    headers: {
      ...received.headers,
      'wisp-dead-letter-reason': reason,
      'wisp-source-topic': received.topic,
      'wisp-source-partition': String(received.partition),
      'wisp-source-offset': received.offset,
    },
  };
}

/** Whatever names a broken envelope still carries, where they are valid names. */
function readLeniently(raw: Buffer): { namespace?: string; name?: string; subject?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return {};
  }
  const field = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined);
  const name = (value: unknown): string | undefined => (typeof value === 'string' && isValidName(value) ? value : undefined);
  const user = field(parsed, 'user');
  const action = field(parsed, 'action');
  const namespace = name(field(user, 'namespace'));
  const subject = name(field(user, 'subject'));
  const actionName = name(field(action, 'name'));
  return { ...(namespace ? { namespace } : {}), ...(subject ? { subject } : {}), ...(actionName ? { name: actionName } : {}) };
}
