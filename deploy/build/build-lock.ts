import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Test processes and `npm start` may ask for a build at the same moment: one builds, the others
// wait for it and then find dist/ up to date. A lock left by a killed build is taken over.

const WAIT_LIMIT_MS = 300_000;

export async function withBuildLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!tryLock(dir)) {
    if (Date.now() > deadline) throw new Error(`another build has held ${dir} for ${WAIT_LIMIT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    return await work();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function tryLock(dir: string): boolean {
  try {
    mkdirSync(dir);
  } catch {
    if (holderAlive(dir)) return false;
    rmSync(dir, { recursive: true, force: true });
    return tryLock(dir);
  }
  writeFileSync(join(dir, 'pid'), String(process.pid));
  return true;
}

function holderAlive(dir: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
  } catch {
    // Made a moment ago, its pid not written yet: treat as held.
    return true;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
