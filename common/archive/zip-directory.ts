import { ArchiveError } from './archive-error';

// fflate's entry info carries neither the CRC nor the Unix mode, so the central directory is read
// here; fflate does the rest (local headers, inflation). The controller reads it too, to refuse
// at store time what the proxy would refuse at /init (zip-check.ts).

export interface EntryAttributes {
  readonly crc: number;
  /** Unix permission bits when the archive was made on Unix, else 0. */
  readonly mode: number;
  readonly isSymlink: boolean;
  /** As the central directory declares it: fflate inflates each entry into a buffer of this size. */
  readonly inflatedBytes: number;
}

const CENTRAL_SIGNATURE = 0x02014b50;
const END_SIGNATURE = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const END_RECORD_SIZE = 22;
const CENTRAL_HEADER_SIZE = 46;
const UTF8_NAMES = 0x800;
const MADE_BY_UNIX = 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

export interface CentralEntry extends EntryAttributes {
  /** As fflate decodes it. */
  readonly name: string;
}

/** Each entry's attributes by its name as fflate decodes it (a later duplicate wins, as on extraction). */
export function readEntryAttributes(data: Buffer): Map<string, EntryAttributes> {
  return new Map(readCentralDirectory(data).map(({ name, ...attributes }) => [name, attributes]));
}

/** Every entry the central directory lists, duplicates included, in order. Throws ArchiveError. */
export function readCentralDirectory(data: Buffer): CentralEntry[] {
  const end = data.lastIndexOf(END_SIGNATURE, data.length - END_RECORD_SIZE);
  if (end < 0) throw new ArchiveError('no end of central directory record');
  const count = data.readUInt16LE(end + 10);
  let at = data.readUInt32LE(end + 16);
  if (count === 0xffff || at === 0xffffffff) throw new ArchiveError('ZIP64 archives are not supported');
  const entries: CentralEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    if (at + CENTRAL_HEADER_SIZE > data.length || data.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new ArchiveError('corrupt central directory');
    const nameLength = data.readUInt16LE(at + 28);
    const nameStart = at + CENTRAL_HEADER_SIZE;
    // Names without the UTF-8 flag are decoded byte by byte, as fflate does.
    const name = data.toString(data.readUInt16LE(at + 8) & UTF8_NAMES ? 'utf8' : 'latin1', nameStart, nameStart + nameLength);
    const unix = data.readUInt16LE(at + 4) >> 8 === MADE_BY_UNIX ? data.readUInt32LE(at + 38) >>> 16 : 0;
    entries.push({ name, crc: data.readUInt32LE(at + 16), mode: unix & 0o777, isSymlink: (unix & S_IFMT) === S_IFLNK, inflatedBytes: data.readUInt32LE(at + 24) });
    at = nameStart + nameLength + data.readUInt16LE(at + 30) + data.readUInt16LE(at + 32);
  }
  return entries;
}
