import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { builtEntry } from './built-entry';

// Runs wisp-admin as an operator does (the compiled entry point, a fresh process per command) and
// collects its exit code and output, for the CLI's tests.

const ROOT = join(__dirname, '..', '..');

export interface AdminRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runAdmin(args: readonly string[], env: Record<string, string> = {}): Promise<AdminRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [builtEntry('controller/admin/wisp-admin.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** The one line a key-issuing command prints. */
export const AUTH_LINE = /^[0-9a-f-]{36}:[A-Za-z0-9]{64}\n$/;
