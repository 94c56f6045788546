// EntityStore: namespaces' entities (actions now; packages, triggers, rules later) and
// identities, with revisions for optimistic concurrency. Adapters: redis, embedded.
//
// One name per namespace across collections: a document is keyed by (namespace, key) and
// carries its `entityType`; writing a key that holds another type is a conflict.

export type EntityType = 'action' | 'package' | 'trigger' | 'rule' | 'identity' | 'registration' | 'api';

export interface EntityDocument {
  readonly entityType: EntityType;
}

export interface Stored<T extends EntityDocument> {
  readonly doc: T;
  /** Opaque; changes on every write. */
  readonly revision: string;
}

export type PutOutcome =
  | { readonly ok: true; readonly revision: string }
  | { readonly ok: false; readonly reason: 'exists' | 'revision-conflict' | 'wrong-type' };

export interface ListOptions {
  readonly skip: number;
  readonly limit: number;
}

export interface EntityStore {
  get<T extends EntityDocument>(namespace: string, key: string): Promise<Stored<T> | undefined>;
  /**
   * `expectedRevision: null` creates only (fails with 'exists' when present, or 'wrong-type' when
   * the key holds another entity type); a string updates only that revision ('revision-conflict'
   * otherwise, 'wrong-type' when the stored type differs). Atomic: a failed put writes nothing.
   */
  put<T extends EntityDocument>(namespace: string, key: string, doc: T, expectedRevision: string | null): Promise<PutOutcome>;
  /** Deletes only when the revision matches (or any revision when omitted). Returns whether it deleted. */
  delete(namespace: string, key: string, expectedRevision?: string): Promise<boolean>;
  /** Newest-updated first (by write time), filtered by entity type. */
  list<T extends EntityDocument>(namespace: string, entityType: EntityType, options: ListOptions): Promise<Stored<T>[]>;
  count(namespace: string, entityType: EntityType): Promise<number>;
  close(): Promise<void>;
}
