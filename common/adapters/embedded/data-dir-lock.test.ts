import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../logging/logger';
import { useTempDirs } from '../../../test/harness/temp-dirs';
import { acquireDataDirLock, DataDirInUseError } from './data-dir-lock';

const newDataDir = useTempDirs('wisp-lock');

/** A pid that certainly belongs to no process now: one that ran and exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await once(child, 'exit');
  return child.pid!;
}

describe('data dir lock', () => {
  it('writes our pid, refuses a second holder, and removes the file on release', () => {
    const dataDir = newDataDir();
    const lock = acquireDataDirLock(dataDir, 'x.lock', silentLogger);
    expect(readFileSync(lock.file, 'utf8')).toBe(`${process.pid}\n`);
    expect(() => acquireDataDirLock(dataDir, 'x.lock', silentLogger)).toThrow(DataDirInUseError);
    lock.release();
    expect(existsSync(lock.file)).toBe(false);
    expect(readdirSync(dataDir)).toEqual([]);
    acquireDataDirLock(dataDir, 'x.lock', silentLogger).release();
  });

  it('creates the data dir when it does not exist', () => {
    const dataDir = join(newDataDir(), 'nested', 'deeper');
    const lock = acquireDataDirLock(dataDir, 'x.lock', silentLogger);
    expect(existsSync(lock.file)).toBe(true);
    lock.release();
  });

  it('refuses a lock held by another live process, naming the dir and its pid', async () => {
    const dataDir = newDataDir();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(join(dataDir, 'x.lock'), `${holder.pid}\n`);
      expect(() => acquireDataDirLock(dataDir, 'x.lock', silentLogger)).toThrow(`data dir ${dataDir} is in use by pid ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
      await once(holder, 'exit');
    }
    // now the holder is dead: its lock is stale and is taken over
    const lock = acquireDataDirLock(dataDir, 'x.lock', silentLogger);
    expect(readFileSync(lock.file, 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });

  it('takes over a lock left by a dead process, or one whose content is not a pid', async () => {
    const dataDir = newDataDir();
    writeFileSync(join(dataDir, 'x.lock'), `${await deadPid()}\n`);
    const lock = acquireDataDirLock(dataDir, 'x.lock', silentLogger);
    expect(readFileSync(lock.file, 'utf8')).toBe(`${process.pid}\n`);
    lock.release();

    writeFileSync(join(dataDir, 'x.lock'), 'garbage');
    acquireDataDirLock(dataDir, 'x.lock', silentLogger).release();
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('takes over a lock naming our own pid that this process does not hold (pid reuse after a restart)', () => {
    const dataDir = newDataDir();
    writeFileSync(join(dataDir, 'x.lock'), `${process.pid}\n`);
    const lock = acquireDataDirLock(dataDir, 'x.lock', silentLogger);
    expect(() => acquireDataDirLock(dataDir, 'x.lock', silentLogger)).toThrow(/\(this process\)/);
    lock.release();
  });

  it('does not remove a lock it no longer owns on release', () => {
    const dataDir = newDataDir();
    const lock = acquireDataDirLock(dataDir, 'x.lock', silentLogger);
    writeFileSync(lock.file, '999999999\n');
    lock.release();
    expect(readFileSync(lock.file, 'utf8')).toBe('999999999\n');
  });
});
