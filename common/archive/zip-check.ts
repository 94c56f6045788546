import { posix } from 'node:path';
import { ArchiveError } from './archive-error';
import { readCentralDirectory } from './zip-directory';

// The limits a zip action must keep, checked from the central directory alone, without inflating
// anything: the controller runs this before it stores an action (a bomb is refused in
// microseconds), the nodejs proxy again before it unpacks. Declared sizes can lie, but fflate
// inflates each entry into a buffer of its declared size, so a lie ends in a CRC failure at /init,
// never in more bytes than were checked here.

export interface ZipLimits {
  readonly maxEntries: number;
  /** Over all entries, by the sizes the central directory declares. */
  readonly maxInflatedBytes: number;
}

/** As many entries as a zip without ZIP64 can list; ten times the largest action's code (48 MB). */
export const ZIP_LIMITS: ZipLimits = { maxEntries: 65_535, maxInflatedBytes: 512 * 1024 * 1024 };

const LOCAL_SIGNATURE = 0x04034b50;
const END_SIGNATURE = 0x06054b50;
const ACTION_ROOT = '/action';

export function isZip(data: Buffer): boolean {
  if (data.length < 4) return false;
  const signature = data.readUInt32LE(0);
  return signature === LOCAL_SIGNATURE || signature === END_SIGNATURE;
}

/** True when the entry, unpacked into the action's folder, would land outside it. */
export function escapesFolder(name: string): boolean {
  const target = posix.resolve(ACTION_ROOT, name.replace(/\\/g, '/'));
  return target !== ACTION_ROOT && !target.startsWith(`${ACTION_ROOT}/`);
}

/** Throws ArchiveError naming the first limit the archive breaks. */
export function checkZip(data: Buffer, limits: ZipLimits = ZIP_LIMITS): void {
  const entries = readCentralDirectory(data);
  if (entries.length > limits.maxEntries) throw new ArchiveError(`more than ${limits.maxEntries} entries`);
  let inflated = 0;
  for (const entry of entries) {
    inflated += entry.inflatedBytes;
    if (inflated > limits.maxInflatedBytes) throw new ArchiveError(`inflates to more than ${limits.maxInflatedBytes} bytes`);
    if (escapesFolder(entry.name)) throw new ArchiveError(`entry '${entry.name}' points outside the archive`);
  }
}
