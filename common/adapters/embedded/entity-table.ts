import type { EntityType, PutOutcome } from '../../spi/entity-store';

// The embedded entity store's state and rules, without I/O: the store decides a write here,
// journals it, then applies it here. Replaying the journal applies the same entries.

export type EntityJournalEntry =
  | {
      readonly op: 'put';
      readonly ns: string;
      readonly key: string;
      readonly type: EntityType;
      readonly rev: string;
      readonly gen: number;
      readonly doc: unknown;
    }
  | { readonly op: 'delete'; readonly ns: string; readonly key: string };

export interface EntityRow {
  readonly namespace: string;
  readonly key: string;
  readonly entityType: EntityType;
  readonly revision: string;
  /** Counts writes to this key since it was created; the revision's first part. */
  readonly generation: number;
  readonly docJson: string;
  /** Size of the journal line that wrote it, for the compaction policy. */
  readonly bytes: number;
}

export type PutDecision =
  | { readonly ok: true; readonly generation: number }
  | { readonly ok: false; readonly reason: Extract<PutOutcome, { ok: false }>['reason'] };

const ENTITY_TYPES: Readonly<Record<EntityType, true>> = { action: true, package: true, trigger: true, rule: true, identity: true, registration: true, api: true };

/** The put rules both stores follow (the Redis store in Lua): the type check comes first. */
export function decidePut(
  existing: Pick<EntityRow, 'entityType' | 'revision' | 'generation'> | undefined,
  entityType: EntityType,
  expectedRevision: string | null,
): PutDecision {
  if (existing) {
    if (existing.entityType !== entityType) return { ok: false, reason: 'wrong-type' };
    if (expectedRevision === null) return { ok: false, reason: 'exists' };
    if (existing.revision !== expectedRevision) return { ok: false, reason: 'revision-conflict' };
    return { ok: true, generation: existing.generation + 1 };
  }
  if (expectedRevision !== null) return { ok: false, reason: 'revision-conflict' };
  return { ok: true, generation: 1 };
}

export class EntityTable {
  private readonly rows = new Map<string, EntityRow>();
  /** Per (namespace, type): Map insertion order is update order, so the newest is last. */
  private readonly lists = new Map<string, Map<string, EntityRow>>();
  private live = 0;

  get liveBytes(): number {
    return this.live;
  }

  get(namespace: string, key: string): EntityRow | undefined {
    return this.rows.get(slot(namespace, key));
  }

  decidePut(namespace: string, key: string, entityType: EntityType, expectedRevision: string | null): PutDecision {
    return decidePut(this.get(namespace, key), entityType, expectedRevision);
  }

  decideDelete(namespace: string, key: string, expectedRevision: string | undefined): boolean {
    const row = this.get(namespace, key);
    return row !== undefined && (expectedRevision === undefined || row.revision === expectedRevision);
  }

  apply(entry: EntityJournalEntry, bytes: number): void {
    const id = slot(entry.ns, entry.key);
    const previous = this.rows.get(id);
    if (previous) {
      this.lists.get(slot(previous.namespace, previous.entityType))?.delete(previous.key);
      this.rows.delete(id);
      this.live -= previous.bytes;
    }
    if (entry.op === 'delete') return;
    const row: EntityRow = {
      namespace: entry.ns,
      key: entry.key,
      entityType: entry.type,
      revision: entry.rev,
      generation: entry.gen,
      docJson: JSON.stringify(entry.doc),
      bytes,
    };
    this.rows.set(id, row);
    const listSlot = slot(entry.ns, entry.type);
    let list = this.lists.get(listSlot);
    if (!list) {
      list = new Map();
      this.lists.set(listSlot, list);
    }
    list.set(entry.key, row);
    this.live += bytes;
  }

  /** Newest-updated first. */
  list(namespace: string, entityType: EntityType, skip: number, limit: number): EntityRow[] {
    const list = this.lists.get(slot(namespace, entityType));
    if (!list || limit <= 0) return [];
    const rows = [...list.values()];
    const result: EntityRow[] = [];
    for (let at = rows.length - 1 - Math.max(0, skip); at >= 0 && result.length < limit; at--) result.push(rows[at]!);
    return result;
  }

  count(namespace: string, entityType: EntityType): number {
    return this.lists.get(slot(namespace, entityType))?.size ?? 0;
  }

  /** Oldest-updated first within each list, so that a replay rebuilds the same order. */
  *snapshot(): Iterable<EntityJournalEntry> {
    for (const list of this.lists.values()) {
      for (const row of list.values()) {
        yield {
          op: 'put',
          ns: row.namespace,
          key: row.key,
          type: row.entityType,
          rev: row.revision,
          gen: row.generation,
          doc: JSON.parse(row.docJson) as unknown,
        };
      }
    }
  }
}

/** Checks a replayed journal entry's shape; throws when it is not one this store writes. */
export function parseEntityEntry(value: unknown): EntityJournalEntry {
  const entry = value as Partial<Record<string, unknown>>;
  if (typeof entry !== 'object' || entry === null) throw new Error('entry is not an object');
  if (typeof entry.ns !== 'string' || typeof entry.key !== 'string') throw new Error('entry lacks ns or key');
  if (entry.op === 'delete') return { op: 'delete', ns: entry.ns, key: entry.key };
  if (entry.op !== 'put') throw new Error(`unknown op ${JSON.stringify(entry.op)}`);
  if (!isEntityType(entry.type)) throw new Error(`unknown entity type ${JSON.stringify(entry.type)}`);
  if (typeof entry.rev !== 'string' || typeof entry.gen !== 'number' || entry.doc === undefined) throw new Error('put entry lacks rev, gen or doc');
  return { op: 'put', ns: entry.ns, key: entry.key, type: entry.type as EntityType, rev: entry.rev, gen: entry.gen, doc: entry.doc };
}

export function isEntityType(value: unknown): value is EntityType {
  return typeof value === 'string' && Object.hasOwn(ENTITY_TYPES, value);
}

function slot(a: string, b: string): string {
  return `${a}\u0000${b}`;
}
