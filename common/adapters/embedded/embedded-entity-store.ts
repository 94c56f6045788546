import { randomBytes } from 'node:crypto';
import type { Logger } from '../../logging/logger';
import type { EntityDocument, EntityStore, EntityType, ListOptions, PutOutcome, Stored } from '../../spi/entity-store';
import { EntityTable, isEntityType, parseEntityEntry, type EntityJournalEntry, type EntityRow } from './entity-table';
import type { FileJournal } from './file-journal';
import type { CompactionPolicy } from './journal-compaction';
import { openLockedJournal, type LockedJournal } from './locked-journal';

// The standalone profile's EntityStore: the state lives in memory, every write is journaled under
// the data dir and fdatasync'ed before the call resolves. Reads wait for writes already decided
// to be durable, so nobody observes a write that a crash could still take back.

export const ENTITY_JOURNAL_FILE = 'entities.journal';
export const ENTITY_LOCK_FILE = 'entities.lock';

export interface EmbeddedEntityStoreOptions {
  readonly dataDir: string;
  readonly logger: Logger;
  readonly compaction?: CompactionPolicy;
}

/** Opens (creating when absent) the entity journal under `dataDir`; throws DataDirInUseError when another process has it. */
export function openEmbeddedEntityStore(options: EmbeddedEntityStoreOptions): EntityStore {
  const logger = options.logger.child({ component: 'embedded-entity-store' });
  const table = new EntityTable();
  return openLockedJournal(
    {
      dataDir: options.dataDir,
      journalFile: ENTITY_JOURNAL_FILE,
      lockFile: ENTITY_LOCK_FILE,
      logger,
      ...(options.compaction ? { compaction: options.compaction } : {}),
      state: {
        replay: (value, bytes) => table.apply(parseEntityEntry(value), bytes),
        snapshot: () => table.snapshot(),
        liveBytes: () => table.liveBytes,
      },
    },
    (held) => new EmbeddedEntityStore(table, held),
  );
}

class EmbeddedEntityStore implements EntityStore {
  private closed = false;
  private readonly journal: FileJournal;

  constructor(
    private readonly table: EntityTable,
    private readonly held: LockedJournal,
  ) {
    this.journal = held.journal;
  }

  async get<T extends EntityDocument>(namespace: string, key: string): Promise<Stored<T> | undefined> {
    this.assertOpen();
    const row = this.table.get(namespace, key);
    await this.journal.barrier();
    return row && toStored<T>(row);
  }

  async put<T extends EntityDocument>(namespace: string, key: string, doc: T, expectedRevision: string | null): Promise<PutOutcome> {
    this.assertOpen();
    // A type the journal cannot replay would keep the store from opening again.
    if (!isEntityType(doc.entityType)) throw new Error(`cannot store an entity of type ${JSON.stringify(doc.entityType)}`);
    const decision = this.table.decidePut(namespace, key, doc.entityType, expectedRevision);
    if (!decision.ok) {
      await this.journal.barrier();
      return decision;
    }
    const entry: EntityJournalEntry = {
      op: 'put',
      ns: namespace,
      key,
      type: doc.entityType,
      rev: `${decision.generation}-${randomBytes(4).toString('hex')}`,
      gen: decision.generation,
      doc,
    };
    const appended = this.journal.append(entry);
    this.table.apply(entry, appended.bytes);
    await appended.durable;
    return { ok: true, revision: entry.rev };
  }

  async delete(namespace: string, key: string, expectedRevision?: string): Promise<boolean> {
    this.assertOpen();
    if (!this.table.decideDelete(namespace, key, expectedRevision)) {
      await this.journal.barrier();
      return false;
    }
    const entry: EntityJournalEntry = { op: 'delete', ns: namespace, key };
    const appended = this.journal.append(entry);
    this.table.apply(entry, 0);
    await appended.durable;
    return true;
  }

  async list<T extends EntityDocument>(namespace: string, entityType: EntityType, options: ListOptions): Promise<Stored<T>[]> {
    this.assertOpen();
    const rows = this.table.list(namespace, entityType, options.skip, options.limit);
    await this.journal.barrier();
    return rows.map((row) => toStored<T>(row));
  }

  async count(namespace: string, entityType: EntityType): Promise<number> {
    this.assertOpen();
    const count = this.table.count(namespace, entityType);
    await this.journal.barrier();
    return count;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.held.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the embedded entity store is closed');
  }
}

function toStored<T extends EntityDocument>(row: EntityRow): Stored<T> {
  return { doc: JSON.parse(row.docJson) as T, revision: row.revision };
}
