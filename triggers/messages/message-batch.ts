import { FIRE_BODY_LIMIT_BYTES, type MessageSpec } from '../../common/feeds/message-spec';

// How a messaging feed turns messages into fires (pure). A fire carries messages of one lane only
// (a Kafka partition, or the JetStream/NATS subscription), in order, so a partition's order holds
// across fires and a batch is one contiguous range of positions: its fire id is derived from the
// registration, the lane and that range, and a batch redelivered after a crash with the same
// range is recognised by the controller (ADR 0026).

/** A message as the source hands it over, before encoding. */
export interface RawMessage {
  /** The ordering unit: `topic/partition` for Kafka, the subject's subscription for NATS. */
  readonly lane: string;
  /** The offset or stream sequence, as a decimal string (increasing within a lane). */
  readonly position: string;
  readonly value: Buffer;
  readonly key?: string;
  /** What the fire shows beside the key and value: {topic, partition, offset} or {subject, sequence?}. */
  readonly meta: Readonly<Record<string, unknown>>;
}

export type SkipCause = 'notJson' | 'oversize';

export interface EncodedMessage {
  readonly lane: string;
  readonly position: string;
  /** One element of the fire's `messages`. */
  readonly entry: Record<string, unknown>;
  /** The entry's JSON length in bytes. */
  readonly bytes: number;
}

/** `{"messages":[` + `]}` */
const ENVELOPE_BYTES = 16;

/** The entry a fire carries for the message, or why it is skipped. */
export function encodeMessage(raw: RawMessage, spec: MessageSpec): EncodedMessage | { readonly skip: SkipCause } {
  let value: unknown;
  if (spec.isJSONData) {
    try {
      value = JSON.parse(raw.value.toString('utf8'));
    } catch {
      return { skip: 'notJson' };
    }
  } else value = spec.isBinaryValue ? raw.value.toString('base64') : raw.value.toString('utf8');
  const entry: Record<string, unknown> = { ...raw.meta };
  if (spec.feed === 'kafkaFeed') entry.key = raw.key === undefined ? null : spec.isBinaryKey ? Buffer.from(raw.key, 'utf8').toString('base64') : raw.key;
  entry[spec.feed === 'kafkaFeed' ? 'value' : 'data'] = value;
  const bytes = Buffer.byteLength(JSON.stringify(entry));
  if (bytes + ENVELOPE_BYTES > FIRE_BODY_LIMIT_BYTES) return { skip: 'oversize' };
  return { lane: raw.lane, position: raw.position, entry, bytes };
}

export interface BatchLimits {
  readonly batchSize: number;
  readonly batchWindowMs: number;
  readonly maxBytes: number;
}

export function batchLimits(spec: MessageSpec): BatchLimits {
  return { batchSize: spec.batchSize, batchWindowMs: spec.batchWindowMs, maxBytes: FIRE_BODY_LIMIT_BYTES };
}

/** How many of the lane's queued messages (oldest first) fit one fire: at least one, at most batchSize, under maxBytes. */
export function batchLength(queue: readonly Pick<EncodedMessage, 'bytes'>[], limits: BatchLimits): number {
  let bytes = ENVELOPE_BYTES;
  let n = 0;
  for (const message of queue) {
    if (n >= limits.batchSize) break;
    const next = bytes + message.bytes + (n > 0 ? 1 : 0);
    if (n > 0 && next > limits.maxBytes) break;
    bytes = next;
    n++;
  }
  return n;
}

/**
 * Whether the lane's queue fires now: it fills a batch (by count or bytes), or its oldest message
 * has waited the batch window. Otherwise, when to look again.
 */
export function batchDue(queue: readonly Pick<EncodedMessage, 'bytes'>[], oldestAt: number, now: number, limits: BatchLimits): { readonly due: true } | { readonly due: false; readonly at: number } {
  if (queue.length === 0) return { due: false, at: Number.POSITIVE_INFINITY };
  if (batchLength(queue, limits) < queue.length || queue.length >= limits.batchSize) return { due: true };
  const at = oldestAt + limits.batchWindowMs;
  return now >= at ? { due: true } : { due: false, at };
}

/** The fire id of a batch: the controller runs a trigger once per id (header X-Wisp-Fire-Id, 1..128 of [\w.:-]). */
export function batchFireId(registrationId: string, lane: string, first: string, last: string): string {
  const plainLane = lane.replace(/[^\w.-]/g, '.').slice(-48);
  return `${registrationId}-${plainLane}:${first}-${last}`;
}
