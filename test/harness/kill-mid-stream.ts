import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * Runs the TypeScript `fixture` as a child process, hands each line it writes to stdout to
 * `onLine`, and SIGKILLs it once `enough()` holds after a line; rejects, with its stderr, when it
 * exits before that. Resolves once the process is gone.
 */
export async function killMidStream(fixture: string, args: readonly string[], onLine: (line: string) => void, enough: () => boolean): Promise<void> {
  // node itself with tsx as a loader (not the tsx CLI, which runs node as a grandchild): the
  // SIGKILL must hit the process that writes.
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let buffered = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const reached = new Promise<void>((resolve) => {
    child.stdout.on('data', (data: Buffer) => {
      buffered += data.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) onLine(line);
      if (enough()) resolve();
    });
  });
  const exited = once(child, 'exit');
  await Promise.race([reached, exited.then(() => Promise.reject(new Error(`writer exited early: ${stderr}`)))]);
  child.kill('SIGKILL');
  await exited;
}
