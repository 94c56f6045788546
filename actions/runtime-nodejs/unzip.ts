import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { crc32 } from 'node:zlib';
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { ArchiveError, isArchiveError } from '../../common/archive/archive-error';
import { checkZip, ZIP_LIMITS, type ZipLimits } from '../../common/archive/zip-check';
import { readEntryAttributes, type EntryAttributes } from '../../common/archive/zip-directory';

export { isZip, ZIP_LIMITS } from '../../common/archive/zip-check';

// Zip extraction inside the proxy (fflate, bundled into it), so the runtime image needs no `unzip`
// binary. Refuses an archive that breaks zip-check.ts's limits before inflating anything (the
// controller refused it already at store time; an action stored before that check is caught
// here), and any entry that would land outside the target directory.

/** Writes every file and directory of the archive under `dir` (which must exist). */
export function extractZip(data: Buffer, dir: string, limits: ZipLimits = ZIP_LIMITS): void {
  checkZip(data, limits);
  const root = resolve(dir);
  const attributes = readEntryAttributes(data);
  const targetOf = (name: string): string => {
    const target = resolve(root, name.replace(/\\/g, '/'));
    if (target !== root && !target.startsWith(root + sep)) throw new ArchiveError(`entry '${name}' points outside the archive`);
    return target;
  };
  for (const [name, content] of Object.entries(inflateEntries(data, attributes, targetOf))) {
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
): Record<string, Uint8Array> {
  // Runs for every entry before any is inflated; the local headers fflate reads may name what the
  // central directory did not, so each is checked again.
  const filter = (file: UnzipFileInfo): boolean => {
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
