import {
  closeSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../../logging/logger';
import { compactionDue, DEFAULT_COMPACTION_POLICY, syncDirectory, writeSnapshot, type CompactionPolicy } from './journal-compaction';
import { decodeJournal, encodeEntry, JournalCorruptError } from './journal-framing';

// An append-only, checksummed journal of one store's writes. A write is appended at once (so the
// file's order is the order in which the store decided its writes) and resolves only after
// fdatasync. Concurrent writers share one fdatasync (group commit): while one is in flight,
// later appends queue behind it and the next one covers them all.
//
// Compaction rewrites the live state to a temp file, fsyncs it and renames it over the journal.
// It runs synchronously between two fdatasyncs, so nothing is appended to the old file while the
// snapshot is taken; the price is that the event loop stalls for the rewrite (rare: only when the
// journal has grown past `ratio` times the live data and past `minBytes`).

const fdatasyncAsync = promisify(fdatasync);

/** What the journal needs from the store that owns it. */
export interface JournalState {
  /** Applies one replayed entry; throws when the entry is not one this store writes. */
  replay(value: unknown, bytes: number): void;
  /** The live state as entries: replaying them in order rebuilds the same state. */
  snapshot(): Iterable<unknown>;
  /** Bytes the live state takes as journal lines (an estimate is enough). */
  liveBytes(): number;
}

export interface FileJournalOptions {
  readonly path: string;
  readonly logger: Logger;
  readonly state: JournalState;
  readonly compaction?: CompactionPolicy;
}

export interface Appended {
  /** Length of the entry's line in the journal. */
  readonly bytes: number;
  /** Resolves once the entry is on disk (fdatasync), rejects when that failed. */
  readonly durable: Promise<void>;
}

interface Waiter {
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class FileJournal {
  private fd: number;
  private size: number;
  private written = 0;
  private synced = 0;
  private readonly waiters: Waiter[] = [];
  private looping = false;
  private failure: Error | undefined;
  private closed = false;
  /** Raised after a failed compaction so that it is not retried on every write. */
  private compactionFloor = 0;
  private readonly policy: CompactionPolicy;

  private constructor(
    private readonly path: string,
    private readonly logger: Logger,
    private readonly state: JournalState,
    policy: CompactionPolicy | undefined,
  ) {
    this.policy = policy ?? DEFAULT_COMPACTION_POLICY;
    this.fd = -1;
    this.size = 0;
  }

  /** Replays the journal into `state` (cutting away a torn last entry), then opens it for appending. */
  static open(options: FileJournalOptions): FileJournal {
    const journal = new FileJournal(options.path, options.logger, options.state, options.compaction);
    try {
      journal.recover();
    } catch (error) {
      if (journal.fd >= 0) closeSync(journal.fd);
      throw error;
    }
    return journal;
  }

  get sizeBytes(): number {
    return this.size;
  }

  append(entry: unknown): Appended {
    this.assertWritable();
    const line = encodeEntry(entry);
    this.writeLine(line);
    this.size += line.length;
    this.written += 1;
    const seq = this.written;
    const durable = new Promise<void>((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
    this.kick();
    return { bytes: line.length, durable };
  }

  /** Resolves once everything appended so far is durable. */
  barrier(): Promise<void> {
    if (this.failure) return Promise.reject(this.failedError());
    if (this.synced === this.written) return Promise.resolve();
    const seq = this.written;
    return new Promise<void>((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.barrier();
    } finally {
      closeSync(this.fd);
    }
  }

  private recover(): void {
    const leftover = `${this.path}.compact`;
    if (existsSync(leftover)) unlinkSync(leftover);
    const existed = existsSync(this.path);
    const data = existed ? readFileSync(this.path) : Buffer.alloc(0);
    const decoded = decodeJournal(data, this.path);
    for (const entry of decoded.entries) {
      try {
        this.state.replay(entry.value, entry.bytes);
      } catch (error) {
        throw new JournalCorruptError(this.path, entry.offset, `unreadable entry: ${(error as Error).message}`);
      }
    }
    this.fd = openSync(this.path, 'a');
    if (!existed) syncDirectory(dirname(this.path));
    if (decoded.tornTail) {
      this.logger.warn(
        { file: this.path, offset: decoded.tornTail.offset, droppedBytes: data.length - decoded.validBytes, reason: decoded.tornTail.reason },
        'journal had a torn last entry; cut it away',
      );
      ftruncateSync(this.fd, decoded.validBytes);
      fdatasyncSync(this.fd);
    }
    this.size = decoded.validBytes;
    if (this.shouldCompact()) this.compact();
  }

  private kick(): void {
    if (this.looping) return;
    this.looping = true;
    // Deferred to a microtask so that the store has applied the write to memory before a
    // compaction could snapshot it.
    void Promise.resolve().then(() => this.syncLoop());
  }

  private async syncLoop(): Promise<void> {
    try {
      for (;;) {
        if (this.synced !== this.written && this.shouldCompact()) this.compact();
        if (this.synced === this.written || this.failure) break;
        const target = this.written;
        await fdatasyncAsync(this.fd);
        this.markSynced(target);
      }
    } catch (error) {
      this.fail(error as Error);
    }
    // Set in the same synchronous step as the exit check, so an append never finds the loop
    // "running" after it decided to stop.
    this.looping = false;
  }

  private markSynced(target: number): void {
    this.synced = target;
    while (this.waiters.length > 0 && this.waiters[0]!.seq <= target) this.waiters.shift()!.resolve();
  }

  private shouldCompact(): boolean {
    return compactionDue(this.policy, this.size, this.state.liveBytes(), this.compactionFloor);
  }

  private compact(): void {
    const temp = `${this.path}.compact`;
    let size = 0;
    try {
      size = writeSnapshot(temp, this.state.snapshot());
    } catch (error) {
      this.compactionFloor = this.size * 2;
      this.logger.error({ err: error, file: this.path }, 'journal compaction failed; appending continues');
      try {
        unlinkSync(temp);
      } catch {
        // nothing to clean up
      }
      return;
    }
    const before = this.size;
    try {
      renameSync(temp, this.path);
      syncDirectory(dirname(this.path));
      const next = openSync(this.path, 'a');
      closeSync(this.fd);
      this.fd = next;
    } catch (error) {
      // The file on disk is now the snapshot, but appends would go to the old one: stop.
      this.fail(error as Error);
      throw error;
    }
    this.size = size;
    this.compactionFloor = 0;
    this.markSynced(this.written);
    this.logger.info({ file: this.path, beforeBytes: before, afterBytes: size }, 'journal compacted');
  }

  private writeLine(line: Buffer): void {
    let done = 0;
    try {
      while (done < line.length) done += writeSync(this.fd, line, done, line.length - done);
    } catch (error) {
      // A partly written line in the middle would make the journal unreadable: cut it off.
      if (done > 0) {
        try {
          ftruncateSync(this.fd, this.size);
        } catch (truncateError) {
          this.fail(truncateError as Error);
        }
      }
      throw error;
    }
  }

  private assertWritable(): void {
    if (this.closed) throw new Error(`journal ${this.path} is closed`);
    if (this.failure) throw this.failedError();
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.logger.error({ err: error, file: this.path }, 'journal failed; the store rejects further writes');
    const failed = this.failedError();
    for (const waiter of this.waiters.splice(0)) waiter.reject(failed);
  }

  private failedError(): Error {
    return new Error(`journal ${this.path} failed: ${this.failure?.message ?? 'unknown error'}`, { cause: this.failure });
  }
}
