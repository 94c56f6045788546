import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { brandedError, brandGuard } from '../../common/protocol/branded-error';

// Zip extraction with zlib alone, so the runtime image needs no `unzip` binary. Reads the
// central directory (its sizes are right even when the local headers defer them to a data
// descriptor) and refuses entries that would land outside the target directory.

export class ArchiveError extends brandedError('ArchiveError') {}

export const isArchiveError = brandGuard(ArchiveError);

export interface ZipEntry {
  readonly name: string;
  readonly isDirectory: boolean;
  readonly isSymlink: boolean;
  /** Unix permission bits when the archive was made on Unix, else 0. */
  readonly mode: number;
  data(): Buffer;
}

const LOCAL_SIGNATURE = 0x04034b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const END_SIGNATURE = 0x06054b50;
const END_RECORD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const MADE_BY_UNIX = 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

export function isZip(data: Buffer): boolean {
  if (data.length < 4) return false;
  const signature = data.readUInt32LE(0);
  return signature === LOCAL_SIGNATURE || signature === END_SIGNATURE;
}

export function readZipEntries(data: Buffer): ZipEntry[] {
  const end = findEndRecord(data);
  const count = data.readUInt16LE(end + 10);
  const directoryOffset = data.readUInt32LE(end + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw new ArchiveError('ZIP64 archives are not supported');
  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  for (let i = 0; i < count; i += 1) {
    if (at + 46 > data.length || data.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new ArchiveError('corrupt central directory');
    const madeBy = data.readUInt16LE(at + 4);
    const flags = data.readUInt16LE(at + 8);
    const method = data.readUInt16LE(at + 10);
    const compressedSize = data.readUInt32LE(at + 20);
    const size = data.readUInt32LE(at + 24);
    const nameLength = data.readUInt16LE(at + 28);
    const extraLength = data.readUInt16LE(at + 30);
    const commentLength = data.readUInt16LE(at + 32);
    const externalAttributes = data.readUInt32LE(at + 38);
    const localOffset = data.readUInt32LE(at + 42);
    const name = data.toString('utf8', at + 46, at + 46 + nameLength).replace(/\\/g, '/');
    at += 46 + nameLength + extraLength + commentLength;
    const mode = madeBy >> 8 === MADE_BY_UNIX ? externalAttributes >>> 16 : 0;
    entries.push({
      name,
      isDirectory: name.endsWith('/'),
      isSymlink: (mode & S_IFMT) === S_IFLNK,
      mode: mode & 0o777,
      data: () => readEntryData(data, { name, flags, method, compressedSize, size, localOffset }),
    });
  }
  return entries;
}

/** Writes every file and directory of the archive under `dir` (which must exist). */
export function extractZip(data: Buffer, dir: string): void {
  const root = resolve(dir);
  for (const entry of readZipEntries(data)) {
    const target = resolve(root, entry.name);
    if (target !== root && !target.startsWith(root + sep)) throw new ArchiveError(`entry '${entry.name}' points outside the archive`);
    if (entry.isDirectory) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    // A link could point anywhere in the container; actions do not need them (node_modules/.bin).
    if (entry.isSymlink) continue;
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, entry.data(), { mode: entry.mode || 0o644 });
  }
}

function findEndRecord(data: Buffer): number {
  const lowest = Math.max(0, data.length - END_RECORD_SIZE - MAX_COMMENT);
  for (let at = data.length - END_RECORD_SIZE; at >= lowest; at -= 1) {
    if (data.readUInt32LE(at) === END_SIGNATURE) return at;
  }
  throw new ArchiveError('no end of central directory record');
}

interface EntryLocation {
  readonly name: string;
  readonly flags: number;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

function inflate(raw: Buffer, name: string): Buffer {
  try {
    return inflateRawSync(raw);
  } catch (error) {
    throw new ArchiveError(`entry '${name}' cannot be inflated: ${(error as Error).message}`);
  }
}

function readEntryData(data: Buffer, entry: EntryLocation): Buffer {
  if (entry.flags & 0x1) throw new ArchiveError(`entry '${entry.name}' is encrypted`);
  const at = entry.localOffset;
  if (at + 30 > data.length || data.readUInt32LE(at) !== LOCAL_SIGNATURE) throw new ArchiveError(`corrupt local header for '${entry.name}'`);
  const start = at + 30 + data.readUInt16LE(at + 26) + data.readUInt16LE(at + 28);
  const raw = data.subarray(start, start + entry.compressedSize);
  if (raw.length !== entry.compressedSize) throw new ArchiveError(`entry '${entry.name}' is truncated`);
  let content: Buffer;
  if (entry.method === 0) content = Buffer.from(raw);
  else if (entry.method === 8) content = inflate(raw, entry.name);
  else throw new ArchiveError(`entry '${entry.name}' uses unsupported compression method ${entry.method}`);
  if (content.length !== entry.size) throw new ArchiveError(`entry '${entry.name}' has the wrong size`);
  return content;
}
