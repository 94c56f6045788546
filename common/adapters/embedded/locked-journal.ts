import { join } from 'node:path';
import type { Logger } from '../../logging/logger';
import { acquireDataDirLock } from './data-dir-lock';
import { FileJournal, type JournalState } from './file-journal';
import type { CompactionPolicy } from './journal-compaction';

// Every embedded adapter owns one journal under the data dir, and only while it holds that
// journal's lock: the lock is taken before the journal is read, given back when opening fails,
// and released only after the journal is closed, so no second process appends in between.

export interface LockedJournalOptions {
  readonly dataDir: string;
  readonly journalFile: string;
  readonly lockFile: string;
  readonly logger: Logger;
  readonly state: JournalState;
  readonly compaction?: CompactionPolicy;
}

export interface LockedJournal {
  readonly journal: FileJournal;
  /** Closes the journal (after its pending writes are durable), then releases the lock, also when closing failed. */
  close(): Promise<void>;
}

/**
 * Takes the lock, replays the journal into `state`, and hands both to `build` for the adapter
 * to wrap; throws DataDirInUseError when another process holds the lock, and releases the lock
 * when replaying or `build` fails.
 */
export function openLockedJournal<T>(options: LockedJournalOptions, build: (held: LockedJournal) => T): T {
  const lock = acquireDataDirLock(options.dataDir, options.lockFile, options.logger);
  try {
    const journal = FileJournal.open({
      path: join(options.dataDir, options.journalFile),
      logger: options.logger,
      state: options.state,
      ...(options.compaction ? { compaction: options.compaction } : {}),
    });
    return build({
      journal,
      close: async () => {
        try {
          await journal.close();
        } finally {
          lock.release();
        }
      },
    });
  } catch (error) {
    lock.release();
    throw error;
  }
}
