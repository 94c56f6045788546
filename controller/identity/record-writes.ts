import type { IdentityChange } from '../../common/protocol/identity-change';
import type { EntityDocument, EntityStore } from '../../common/spi/entity-store';
import { retry, TRY_AGAIN } from '../../common/retry/retry';
import { IdentityRecordError } from './identity-record-error';

// What the key, namespace and limits records share: the store, the clock, the change callback,
// and one read-modify-write of a document by revision.

export const MAX_ATTEMPTS = 10;

export interface RecordsContext {
  readonly store: EntityStore;
  readonly now: () => number;
  /** Tells controllers of a change they may have cached. */
  changed(change: Omit<IdentityChange, 'v'>): Promise<void>;
}

/**
 * Rewrites one document by revision, read again and retried when another writer got there first.
 * `change` answers `undefined` (or the document itself) to leave it as it is.
 */
export async function updateRecord<T extends EntityDocument>(store: EntityStore, collection: string, key: string, change: (doc: T | undefined) => T | undefined): Promise<void> {
  const kept = () => new IdentityRecordError('concurrent-modification', `${collection}/${key} kept changing under concurrent writers; try again`);
  await retry(
    async () => {
      const stored = await store.get<T>(collection, key);
      const next = change(stored?.doc);
      if (next === undefined || next === stored?.doc) return;
      const outcome = await store.put(collection, key, next, stored ? stored.revision : null);
      if (outcome.ok) return;
      if (outcome.reason === 'wrong-type') throw kept();
      return TRY_AGAIN;
    },
    { attempts: MAX_ATTEMPTS, exhausted: kept },
  );
}
