import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../logging/logger';
import { useTempDirs } from '../../../test/harness/temp-dirs';
import { DataDirInUseError } from './data-dir-lock';
import type { JournalState } from './file-journal';
import { openLockedJournal, type LockedJournal } from './locked-journal';

const newDataDir = useTempDirs('wisp-locked-journal');

function listState(): JournalState & { entries: unknown[] } {
  const entries: unknown[] = [];
  return { entries, replay: (value) => entries.push(value), snapshot: () => entries, liveBytes: () => 0 };
}

const options = (dataDir: string, state: JournalState = listState()) => ({ dataDir, journalFile: 'j.journal', lockFile: 'j.lock', logger: silentLogger, state });

describe('openLockedJournal', () => {
  it('holds the lock while the journal is open, and releases it only after close', async () => {
    const dataDir = newDataDir();
    const held = openLockedJournal(options(dataDir), (h) => h);
    expect(existsSync(join(dataDir, 'j.lock'))).toBe(true);
    expect(() => openLockedJournal(options(dataDir), (h) => h)).toThrow(DataDirInUseError);
    await held.journal.append({ n: 1 }).durable;
    await held.close();
    expect(existsSync(join(dataDir, 'j.lock'))).toBe(false);

    const state = listState();
    const again = openLockedJournal(options(dataDir, state), (h) => h);
    expect(state.entries).toEqual([{ n: 1 }]);
    await again.close();
  });

  it('releases the lock when the journal cannot be replayed', () => {
    const dataDir = newDataDir();
    writeFileSync(join(dataDir, 'j.journal'), 'not a journal line\nnor this\n');
    expect(() => openLockedJournal(options(dataDir), (h) => h)).toThrow();
    expect(existsSync(join(dataDir, 'j.lock'))).toBe(false);
  });

  it('releases the lock when the adapter built on it fails', () => {
    const dataDir = newDataDir();
    expect(() =>
      openLockedJournal(options(dataDir), (_held: LockedJournal) => {
        throw new Error('no adapter');
      }),
    ).toThrow('no adapter');
    expect(existsSync(join(dataDir, 'j.lock'))).toBe(false);
  });
});
