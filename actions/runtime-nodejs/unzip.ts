import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { crc32 } from 'node:zlib';
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { ArchiveError, isArchiveError } from './archive-error';
import { readEntryAttributes, type EntryAttributes } from './zip-directory';

// Zip extraction inside the proxy (fflate, bundled into it), so the runtime image needs no `unzip`
// binary. Refuses an archive that lists too many entries or inflates past the cap before inflating
// anything, and any entry that would land outside the target directory.

export interface ZipLimits {
  readonly maxEntries: number;
  /** Over all entries, by the sizes the central directory declares. */
  readonly maxInflatedBytes: number;
}

/** As many entries as a zip without ZIP64 can list; ten times the largest action's code (48 MB). */
export const ZIP_LIMITS: ZipLimits = { maxEntries: 65_535, maxInflatedBytes: 512 * 1024 * 1024 };

const LOCAL_SIGNATURE = 0x04034b50;
const END_SIGNATURE = 0x06054b50;

export function isZip(data: Buffer): boolean {
  if (data.length < 4) return false;
  const signature = data.readUInt32LE(0);
  return signature === LOCAL_SIGNATURE || signature === END_SIGNATURE;
}

/** Writes every file and directory of the archive under `dir` (which must exist). */
export function extractZip(data: Buffer, dir: string, limits: ZipLimits = ZIP_LIMITS): void {
  const root = resolve(dir);
  const attributes = readEntryAttributes(data);
  const targetOf = (name: string): string => {
    const target = resolve(root, name.replace(/\\/g, '/'));
    if (target !== root && !target.startsWith(root + sep)) throw new ArchiveError(`entry '${name}' points outside the archive`);
    return target;
  };
  for (const [name, content] of Object.entries(inflateEntries(data, attributes, targetOf, limits))) {
    const target = targetOf(name);
    if (name.endsWith('/') || name.endsWith('\\')) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    const entry = attributes.get(name);
    if (!entry || crc32(content) !== entry.crc) throw new ArchiveError(`entry '${name}' is corrupt`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content, { mode: entry.mode || 0o644 });
  }
}

function inflateEntries(
  data: Buffer,
  attributes: ReadonlyMap<string, EntryAttributes>,
  targetOf: (name: string) => string,
  limits: ZipLimits,
): Record<string, Uint8Array> {
  let entries = 0;
  let inflated = 0;
  // Runs for every entry before any is inflated. fflate inflates each into a buffer of the
  // declared size, so a lying size cannot inflate past the cap (its CRC then fails).
  const filter = (file: UnzipFileInfo): boolean => {
    entries += 1;
    inflated += Math.max(file.size, file.originalSize);
    if (entries > limits.maxEntries) throw new ArchiveError(`more than ${limits.maxEntries} entries`);
    if (inflated > limits.maxInflatedBytes) throw new ArchiveError(`inflates to more than ${limits.maxInflatedBytes} bytes`);
    const entry = attributes.get(file.name);
    if (!entry) throw new ArchiveError('corrupt central directory');
    targetOf(file.name);
    // A link could point anywhere in the container; actions do not need them (node_modules/.bin).
    return !entry.isSymlink;
  };
  try {
    return unzipSync(data, { filter });
  } catch (error) {
    if (isArchiveError(error)) throw error;
    throw new ArchiveError(`the archive cannot be inflated: ${(error as Error).message}`);
  }
}
