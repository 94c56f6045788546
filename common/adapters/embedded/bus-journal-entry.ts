import type { StoredMessage } from '../memory/memory-consumer-group';

// The embedded message bus's journal entries, and the check a replayed one must pass. A send is one
// entry (one line), so a batch is on disk whole or — torn by a crash before it was acknowledged —
// not at all. Values are base64 in the JSON; offsets are written out so that a replay can check
// that it rebuilds the same offsets the consumers were given.

export interface JournaledMessage {
  readonly p: number;
  readonly o: number;
  readonly k?: string;
  /** The value, base64. */
  readonly v: string;
  readonly h?: Readonly<Record<string, string>>;
}

export interface JournaledCommit {
  readonly topic: string;
  readonly group: string;
  readonly p: number;
  /** The group's next offset to read in partition `p`. */
  readonly o: number;
}

export interface TopicEntry {
  readonly op: 'topic';
  readonly topic: string;
  readonly partitions: number;
  readonly config: Readonly<Record<string, string>>;
  /** Each partition's first offset, when a compaction dropped older messages. */
  readonly starts?: readonly number[];
}

export type BusJournalEntry =
  | TopicEntry
  | {
      readonly op: 'group';
      readonly topic: string;
      readonly group: string;
      /** Written by compaction: the group's committed offset per partition. */
      readonly committed?: readonly number[];
    }
  | { readonly op: 'send'; readonly topic: string; readonly at: number; readonly messages: readonly JournaledMessage[] }
  | { readonly op: 'commit'; readonly commits: readonly JournaledCommit[] };

export function journaledMessage(partition: number, offset: number, message: StoredMessage): JournaledMessage {
  return {
    p: partition,
    o: offset,
    ...(message.key !== undefined ? { k: message.key } : {}),
    v: message.value.toString('base64'),
    ...(Object.keys(message.headers).length > 0 ? { h: message.headers } : {}),
  };
}

export function storedMessage(journaled: JournaledMessage, timestamp: number): StoredMessage {
  return {
    ...(journaled.k !== undefined ? { key: journaled.k } : {}),
    value: Buffer.from(journaled.v, 'base64'),
    headers: { ...journaled.h },
    timestamp,
  };
}

/**
 * About the bytes a message takes in a compacted journal (where each is its own send entry). The
 * compaction policy needs only an estimate, and the same one on the way in and out.
 */
export function estimateMessageBytes(topic: string, message: StoredMessage): number {
  let bytes = 80 + topic.length + Math.ceil(message.value.length / 3) * 4;
  if (message.key !== undefined) bytes += Buffer.byteLength(message.key) + 8;
  for (const [name, value] of Object.entries(message.headers)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 6;
  return bytes;
}

/** Checks a replayed entry's shape; throws when it is not one this bus writes. */
export function parseBusEntry(value: unknown): BusJournalEntry {
  const entry = record(value, 'entry');
  switch (entry.op) {
    case 'topic': {
      const starts = entry.starts === undefined ? undefined : offsets(entry.starts, 'starts');
      const partitions = count(entry.partitions, 'partitions');
      if (partitions < 1) throw new Error('topic entry has no partitions');
      return { op: 'topic', topic: text(entry.topic, 'topic'), partitions, config: strings(entry.config, 'config'), ...(starts ? { starts } : {}) };
    }
    case 'group': {
      const committed = entry.committed === undefined ? undefined : offsets(entry.committed, 'committed');
      return { op: 'group', topic: text(entry.topic, 'topic'), group: text(entry.group, 'group'), ...(committed ? { committed } : {}) };
    }
    case 'send': {
      if (!Array.isArray(entry.messages)) throw new Error('send entry lacks messages');
      return { op: 'send', topic: text(entry.topic, 'topic'), at: count(entry.at, 'at'), messages: entry.messages.map(parseMessage) };
    }
    case 'commit': {
      if (!Array.isArray(entry.commits)) throw new Error('commit entry lacks commits');
      return { op: 'commit', commits: entry.commits.map(parseCommit) };
    }
    default:
      throw new Error(`unknown op ${JSON.stringify(entry.op)}`);
  }
}

function parseMessage(value: unknown): JournaledMessage {
  const message = record(value, 'message');
  if (message.k !== undefined && typeof message.k !== 'string') throw new Error('message key is not a string');
  return {
    p: count(message.p, 'partition'),
    o: count(message.o, 'offset'),
    ...(message.k !== undefined ? { k: message.k as string } : {}),
    v: text(message.v, 'value', true),
    ...(message.h !== undefined ? { h: strings(message.h, 'headers') } : {}),
  };
}

function parseCommit(value: unknown): JournaledCommit {
  const commit = record(value, 'commit');
  return { topic: text(commit.topic, 'topic'), group: text(commit.group, 'group'), p: count(commit.p, 'partition'), o: count(commit.o, 'offset') };
}

function record(value: unknown, what: string): Partial<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return value as Partial<Record<string, unknown>>;
}

function text(value: unknown, what: string, emptyAllowed = false): string {
  if (typeof value !== 'string' || (!emptyAllowed && value === '')) throw new Error(`${what} is not a non-empty string`);
  return value;
}

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new Error(`${what} is not a non-negative integer`);
  return value;
}

function offsets(value: unknown, what: string): number[] {
  if (!Array.isArray(value)) throw new Error(`${what} is not an array`);
  return value.map((item) => count(item, what));
}

function strings(value: unknown, what: string): Record<string, string> {
  const entries = Object.entries(record(value, what));
  for (const [, item] of entries) if (typeof item !== 'string') throw new Error(`${what} holds a value that is not a string`);
  return Object.fromEntries(entries) as Record<string, string>;
}
