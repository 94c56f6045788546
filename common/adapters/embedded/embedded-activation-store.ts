import type { ActivationRecord } from '../../entities/activation';
import type { Logger } from '../../logging/logger';
import type { ActivationPage, ActivationQuery, ActivationStore, ClaimOptions, ClaimOutcome, CreateOutcome } from '../../spi/activation-store';
import { checkRecord } from './activation-record-check';
import { ActivationTable, parseActivationEntry, type ActivationJournalEntry, type RangeQuery } from './activation-table';
import type { FileJournal } from './file-journal';
import type { CompactionPolicy } from './journal-compaction';
import { openLockedJournal, type LockedJournal } from './locked-journal';

// The standalone profile's ActivationStore: records and claims in memory, every write journaled
// and fdatasync'ed before the call resolves. Retention and claim expiry follow the clock as Redis
// TTLs do; expired entries are dropped from memory as time passes and from disk at compaction.

export const ACTIVATION_JOURNAL_FILE = 'activations.journal';
export const ACTIVATION_LOCK_FILE = 'activations.lock';
/** Same defaults as the Redis store. */
export const DEFAULT_ACTIVATION_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_CLAIM_MEMORY_MS = 24 * 60 * 60 * 1000;

export interface EmbeddedActivationStoreOptions {
  readonly dataDir: string;
  readonly logger: Logger;
  /** How long a record is kept after it was written. */
  readonly retentionMs?: number;
  /** How long an activation's attempt count outlives its last claim. */
  readonly claimMemoryMs?: number;
  readonly compaction?: CompactionPolicy;
  readonly clock?: () => number;
}

/** Opens (creating when absent) the activation journal under `dataDir`; throws DataDirInUseError when another process has it. */
export function openEmbeddedActivationStore(options: EmbeddedActivationStoreOptions): ActivationStore {
  const logger = options.logger.child({ component: 'embedded-activation-store' });
  const clock = options.clock ?? Date.now;
  const table = new ActivationTable(options.retentionMs ?? DEFAULT_ACTIVATION_RETENTION_MS);
  const openedAt = clock();
  return openLockedJournal(
    {
      dataDir: options.dataDir,
      journalFile: ACTIVATION_JOURNAL_FILE,
      lockFile: ACTIVATION_LOCK_FILE,
      logger,
      ...(options.compaction ? { compaction: options.compaction } : {}),
      state: {
        replay: (value, bytes) => table.apply(parseActivationEntry(value), bytes, openedAt),
        snapshot: () => {
          table.prune(clock());
          return table.snapshot();
        },
        liveBytes: () => table.liveBytes,
      },
    },
    (held) => new EmbeddedActivationStore(table, held, clock, options.claimMemoryMs ?? DEFAULT_CLAIM_MEMORY_MS),
  );
}

class EmbeddedActivationStore implements ActivationStore {
  private closed = false;
  private readonly journal: FileJournal;

  constructor(
    private readonly table: ActivationTable,
    private readonly held: LockedJournal,
    private readonly clock: () => number,
    private readonly claimMemoryMs: number,
  ) {
    this.journal = held.journal;
  }

  async create(record: ActivationRecord): Promise<CreateOutcome> {
    const now = this.begin();
    checkRecord(record);
    if (this.table.has(record.activationId)) {
      await this.journal.barrier();
      return 'duplicate';
    }
    const { logs, ...withoutLogs } = record;
    await this.write({ op: 'create', record: withoutLogs, logs, createdAt: now }, now);
    return 'created';
  }

  async get(namespace: string, activationId: string): Promise<ActivationRecord | undefined> {
    this.begin();
    const record = this.table.namespaceOf(activationId) === namespace ? this.table.get(activationId) : undefined;
    await this.journal.barrier();
    return record;
  }

  async getById(activationId: string): Promise<ActivationRecord | undefined> {
    this.begin();
    const record = this.table.get(activationId);
    await this.journal.barrier();
    return record;
  }

  async logs(namespace: string, activationId: string): Promise<readonly string[] | undefined> {
    this.begin();
    const logs = this.table.namespaceOf(activationId) === namespace ? this.table.logs(activationId) : undefined;
    await this.journal.barrier();
    return logs;
  }

  async list(namespace: string, query: ActivationQuery): Promise<ActivationRecord[]> {
    return (await this.page(namespace, query)).records;
  }

  async page(namespace: string, query: ActivationQuery): Promise<ActivationPage> {
    this.begin();
    const page = this.table.page(namespace, query);
    await this.journal.barrier();
    return page;
  }

  async count(namespace: string, query: RangeQuery): Promise<number> {
    this.begin();
    const count = this.table.count(namespace, query);
    await this.journal.barrier();
    return count;
  }

  async claim(activationId: string, holder: string, ttlMs: number, options: ClaimOptions = {}): Promise<ClaimOutcome> {
    const now = this.begin();
    const decision = this.table.decideClaim(activationId, holder, ttlMs, this.claimMemoryMs, now, options.supersedes);
    if (!('op' in decision)) {
      await this.journal.barrier();
      return decision;
    }
    await this.write(decision, now);
    return { granted: true, attempt: decision.attempt };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.held.close();
  }

  /** Every call starts here: refuse after close, drop what expired, and fix `now` for the call. */
  private begin(): number {
    if (this.closed) throw new Error('the embedded activation store is closed');
    const now = this.clock();
    this.table.prune(now);
    return now;
  }

  private async write(entry: ActivationJournalEntry, now: number): Promise<void> {
    const appended = this.journal.append(entry);
    this.table.apply(entry, appended.bytes, now);
    await appended.durable;
  }
}
