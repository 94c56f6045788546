import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The python runtime is one stdlib-only file, run as it is by the image and by process
// containers; its content hash goes into the image's hash, so editing it rebuilds the image.

export const PYTHON_PROXY_FILE = join(__dirname, 'proxy.py');

export interface PythonProxy {
  readonly file: string;
  /** sha256 (hex) of the file's bytes. */
  readonly hash: string;
}

export function pythonProxy(): PythonProxy {
  return { file: PYTHON_PROXY_FILE, hash: createHash('sha256').update(readFileSync(PYTHON_PROXY_FILE)).digest('hex') };
}
