import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../logging/logger';
import { brandedError, brandGuard } from '../../protocol/branded-error';

// Keeps a second process off a data dir: two processes appending to one journal would corrupt
// it. The lock file holds the owner's pid and is created atomically with its content (written to
// a temp file, then hard-linked into place, which fails when the name exists — O_EXCL semantics
// without a window in which another process could read an empty lock). A lock whose pid is dead
// is stale (the owner crashed) and is taken over.

export class DataDirInUseError extends brandedError('DataDirInUseError') {
  constructor(
    readonly dataDir: string,
    readonly lockFile: string,
    readonly pid: number,
  ) {
    super(
      `data dir ${dataDir} is in use by pid ${pid}${pid === process.pid ? ' (this process)' : ''}: ` +
        `stop that process, or remove ${lockFile} if that pid is not a Wisp process`,
    );
  }
}

export const isDataDirInUseError = brandGuard(DataDirInUseError);

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

/** Lock files this process holds: a lock naming our own pid that we do not hold is stale (pid reuse after a restart, as in containers). */
const heldByThisProcess = new Set<string>();
const MAX_ATTEMPTS = 5;

export function acquireDataDirLock(dataDir: string, name: string, logger: Logger): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, name);
  const content = `${process.pid}\n`;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (tryCreate(file, content)) {
      heldByThisProcess.add(file);
      return { file, release: () => release(file, content) };
    }
    const existing = readOrUndefined(file);
    if (existing === undefined) continue;
    const pid = parsePid(existing);
    if (pid !== undefined && isAlive(pid) && (pid !== process.pid || heldByThisProcess.has(file))) {
      throw new DataDirInUseError(dataDir, file, pid);
    }
    logger.warn({ lockFile: file, stalePid: pid ?? existing.slice(0, 32) }, 'took over a stale data dir lock');
    takeOver(file, existing);
  }
  throw new Error(`could not lock data dir ${dataDir}: ${file} keeps changing`);
}

function tryCreate(file: string, content: string): boolean {
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(temp, 'wx');
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

/** Moves the stale lock aside; if another process replaced it meanwhile, puts that one back. */
function takeOver(file: string, staleContent: string): void {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (readOrUndefined(aside) !== staleContent) {
    try {
      linkSync(aside, file);
    } catch {
      // a third process holds it now; it stays theirs
    }
  }
  unlinkSync(aside);
}

function release(file: string, content: string): void {
  if (!heldByThisProcess.delete(file)) return;
  if (readOrUndefined(file) === content) unlinkSync(file);
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parsePid(content: string): number | undefined {
  const pid = Number(content.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
