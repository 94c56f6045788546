import { crc32 } from 'node:zlib';
import { brandedError, brandGuard } from '../../protocol/branded-error';

// One journal entry is one line: `<crc32 of the JSON, 8 hex> <JSON>\n`. JSON never holds a raw
// newline byte (it escapes them, and UTF-8 continuation bytes are >= 0x80), so a line is exactly
// one entry, and a crash can only leave the *last* line torn.

const NEWLINE = 0x0a;
const CHECKSUM_LENGTH = 8;

export function encodeEntry(entry: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(entry), 'utf8');
  const line = Buffer.allocUnsafe(CHECKSUM_LENGTH + 1 + json.length + 1);
  line.write(checksum(json), 0, 'latin1');
  line[CHECKSUM_LENGTH] = 0x20;
  json.copy(line, CHECKSUM_LENGTH + 1);
  line[line.length - 1] = NEWLINE;
  return line;
}

export interface DecodedEntry {
  readonly value: unknown;
  /** Byte offset of the line in the file. */
  readonly offset: number;
  /** Length of the line, newline included. */
  readonly bytes: number;
}

export interface DecodedJournal {
  readonly entries: readonly DecodedEntry[];
  /** Bytes up to and including the last good entry: where the next append goes. */
  readonly validBytes: number;
  /** Set when the last entry was torn or corrupt and must be cut away. */
  readonly tornTail?: { readonly offset: number; readonly reason: string };
}

/** A damaged entry that is not the last: the journal cannot be trusted past it. */
export class JournalCorruptError extends brandedError('JournalCorruptError') {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`journal ${file} is corrupt at byte offset ${offset}: ${reason}`);
  }
}

export const isJournalCorruptError = brandGuard(JournalCorruptError);

/** Pure: splits a journal's bytes into entries; throws JournalCorruptError for damage before the last entry. */
export function decodeJournal(data: Buffer, file: string): DecodedJournal {
  const entries: DecodedEntry[] = [];
  let offset = 0;
  while (offset < data.length) {
    const newline = data.indexOf(NEWLINE, offset);
    if (newline === -1) {
      return { entries, validBytes: offset, tornTail: { offset, reason: 'incomplete last entry (no newline)' } };
    }
    const parsed = parseLine(data.subarray(offset, newline));
    if (!parsed.ok) {
      if (newline === data.length - 1) return { entries, validBytes: offset, tornTail: { offset, reason: parsed.reason } };
      throw new JournalCorruptError(file, offset, parsed.reason);
    }
    entries.push({ value: parsed.value, offset, bytes: newline + 1 - offset });
    offset = newline + 1;
  }
  return { entries, validBytes: offset };
}

type ParsedLine = { ok: true; value: unknown } | { ok: false; reason: string };

function parseLine(line: Buffer): ParsedLine {
  if (line.length < CHECKSUM_LENGTH + 2 || line[CHECKSUM_LENGTH] !== 0x20) return { ok: false, reason: 'malformed entry framing' };
  const json = line.subarray(CHECKSUM_LENGTH + 1);
  if (line.toString('latin1', 0, CHECKSUM_LENGTH) !== checksum(json)) return { ok: false, reason: 'checksum mismatch' };
  try {
    return { ok: true, value: JSON.parse(json.toString('utf8')) };
  } catch {
    return { ok: false, reason: 'entry is not valid JSON' };
  }
}

function checksum(bytes: Buffer): string {
  return crc32(bytes).toString(16).padStart(CHECKSUM_LENGTH, '0');
}
