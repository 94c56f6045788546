import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { builtEntry } from './built-entry';
import { eventually } from './eventually';

// Starts Wisp's own entry points as real child processes, the way an operator runs them, and
// keeps their output for the failure message of a test that could not start them.

const ROOT = join(__dirname, '..', '..');

export interface PlatformProcess {
  readonly name: string;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
}

export function startProcess(name: string, entry: string, env: Record<string, string>): PlatformProcess {
  // node itself (not npm or a shell script), so a SIGKILL reaches the process that holds the
  // ports and files, and the compiled tree that production runs.
  const child = spawn(process.execPath, ['--enable-source-maps', builtEntry(entry)], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: string[] = [];
  let size = 0;
  const keep = (data: Buffer) => {
    chunks.push(data.toString('utf8'));
    size += data.length;
    while (size > 256 * 1024 && chunks.length > 1) size -= chunks.shift()!.length;
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'exit');
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    name,
    child,
    output: () => chunks.join(''),
    stop,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Resolves once GET `${url}/invokers/healthy/count` reports at least `count`; fails with the processes' output otherwise. */
export async function waitForHealthyInvokers(url: string, count: number, processes: readonly PlatformProcess[], timeoutMs = 60_000): Promise<void> {
  try {
    await eventually(async () => {
      for (const p of processes) if (p.child.exitCode !== null) throw new Error(`${p.name} exited with ${p.child.exitCode}`);
      const res = await fetch(`${url}/invokers/healthy/count`);
      return res.ok && Number(await res.text()) >= count ? true : undefined;
    }, timeoutMs, 200);
  } catch (err) {
    const logs = processes.map((p) => `--- ${p.name} ---\n${p.output().slice(-4000)}`).join('\n');
    throw new Error(`${(err as Error).message}\n${logs}`);
  }
}
