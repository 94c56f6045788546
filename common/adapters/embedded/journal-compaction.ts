import { closeSync, fdatasyncSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { encodeEntry } from './journal-framing';

// When a journal is compacted and how its snapshot reaches the disk. FileJournal decides the
// moment (between two fdatasyncs) and swaps the files; this writes the new one.

const COMPACTION_CHUNK_BYTES = 1024 * 1024;

export interface CompactionPolicy {
  /** A journal smaller than this is never compacted. */
  readonly minBytes: number;
  /** Compact when the journal is more than `ratio` times the live data. */
  readonly ratio: number;
}

export const DEFAULT_COMPACTION_POLICY: CompactionPolicy = { minBytes: 1024 * 1024, ratio: 2 };

/** `floor` is raised after a failed compaction so that it is not retried on every write. */
export function compactionDue(policy: CompactionPolicy, journalBytes: number, liveBytes: number, floor = 0): boolean {
  return journalBytes > Math.max(policy.minBytes, floor) && journalBytes > policy.ratio * liveBytes;
}

/** Writes `entries` as journal lines to a new file at `path`, fdatasynced; returns its size. */
export function writeSnapshot(path: string, entries: Iterable<unknown>): number {
  const fd = openSync(path, 'w');
  try {
    let size = 0;
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    const flush = () => {
      const buffer = Buffer.concat(chunk, chunkBytes);
      let done = 0;
      while (done < buffer.length) done += writeSync(fd, buffer, done, buffer.length - done);
      size += buffer.length;
      chunk = [];
      chunkBytes = 0;
    };
    for (const entry of entries) {
      const line = encodeEntry(entry);
      chunk.push(line);
      chunkBytes += line.length;
      if (chunkBytes >= COMPACTION_CHUNK_BYTES) flush();
    }
    if (chunkBytes > 0) flush();
    fdatasyncSync(fd);
    return size;
  } finally {
    closeSync(fd);
  }
}

/** Makes a created or renamed file's directory entry durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
