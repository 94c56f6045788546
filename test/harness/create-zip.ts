import { strToU8, zipSync } from 'fflate';

// Zipped actions built in memory by fflate, for tests and tools; text content is taken as UTF-8.

export type ZipFiles = Readonly<Record<string, string | Uint8Array>>;

export function createZip(files: ZipFiles): Buffer {
  const entries = Object.fromEntries(Object.entries(files).map(([name, content]) => [name, typeof content === 'string' ? strToU8(content) : content]));
  return Buffer.from(zipSync(entries));
}
