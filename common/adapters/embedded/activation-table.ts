import type { ActivationRecord } from '../../entities/activation';
import type { ActivationQuery, ClaimOutcome } from '../../spi/activation-store';
import { checkRecord } from './activation-record-check';
import { SortedIndex } from './sorted-index';

// The embedded activation store's state and rules, without I/O. Time comes in as `now` so that
// retention and claim expiry behave like Redis TTLs and can be tested with a fake clock.

export type ActivationJournalEntry =
  | { readonly op: 'create'; readonly record: ActivationRecord; readonly createdAt: number }
  | {
      readonly op: 'claim';
      readonly id: string;
      readonly holder: string;
      readonly expiresAt: number;
      readonly attempt: number;
      /** When the attempt count is forgotten (the Redis attempts key's TTL). */
      readonly forgetAt: number;
    };

type ClaimEntry = Extract<ActivationJournalEntry, { op: 'claim' }>;

interface ActivationRow {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly start: number;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly json: string;
  readonly bytes: number;
}

interface ClaimRow {
  readonly entry: ClaimEntry;
  readonly bytes: number;
}

export type RangeQuery = Omit<ActivationQuery, 'skip' | 'limit'>;

export class ActivationTable {
  private readonly records = new Map<string, ActivationRow>();
  private readonly byNamespace = new Map<string, SortedIndex>();
  private readonly byName = new Map<string, SortedIndex>();
  private readonly recordExpiry = new SortedIndex();
  private readonly claims = new Map<string, ClaimRow>();
  private readonly claimExpiry = new SortedIndex();
  private live = 0;

  constructor(private readonly retentionMs: number) {}

  get liveBytes(): number {
    return this.live;
  }

  /** Drops records past retention and claims whose attempt count is forgotten. */
  prune(now: number): void {
    for (const id of this.recordExpiry.popUpTo(now)) this.removeRecord(id);
    for (const id of this.claimExpiry.popUpTo(now)) {
      const claim = this.claims.get(id);
      if (claim) this.live -= claim.bytes;
      this.claims.delete(id);
    }
  }

  get(activationId: string): ActivationRecord | undefined {
    const row = this.records.get(activationId);
    return row && (JSON.parse(row.json) as ActivationRecord);
  }

  namespaceOf(activationId: string): string | undefined {
    return this.records.get(activationId)?.namespace;
  }

  has(activationId: string): boolean {
    return this.records.has(activationId);
  }

  /** Call after prune(now): a live claim held by anyone means no; else the next attempt. */
  decideClaim(activationId: string, holder: string, ttlMs: number, forgetAfterMs: number, now: number, supersedes?: string): ClaimOutcome | ClaimEntry {
    const current = this.claims.get(activationId)?.entry;
    if (current && current.expiresAt > now && current.holder !== supersedes) return { granted: false, holder: current.holder };
    return {
      op: 'claim',
      id: activationId,
      holder,
      expiresAt: now + ttlMs,
      attempt: (current?.attempt ?? 0) + 1,
      forgetAt: now + Math.max(ttlMs, forgetAfterMs),
    };
  }

  /** Applies a decided write or a replayed one; entries already past their expiry are dropped. */
  apply(entry: ActivationJournalEntry, bytes: number, now: number): void {
    if (entry.op === 'claim') {
      const previous = this.claims.get(entry.id);
      if (previous) {
        this.live -= previous.bytes;
        this.claimExpiry.remove(previous.entry.forgetAt, entry.id);
        this.claims.delete(entry.id);
      }
      if (entry.forgetAt <= now) return;
      this.claims.set(entry.id, { entry, bytes });
      this.claimExpiry.add(entry.forgetAt, entry.id);
      this.live += bytes;
      return;
    }
    const { record, createdAt } = entry;
    const expiresAt = createdAt + this.retentionMs;
    if (expiresAt <= now) return;
    this.removeRecord(record.activationId);
    const row: ActivationRow = {
      id: record.activationId,
      namespace: record.namespace,
      name: record.name,
      start: record.start,
      createdAt,
      expiresAt,
      json: JSON.stringify(record),
      bytes,
    };
    this.records.set(row.id, row);
    indexFor(this.byNamespace, row.namespace).add(row.start, row.id);
    indexFor(this.byName, slot(row.namespace, row.name)).add(row.start, row.id);
    this.recordExpiry.add(expiresAt, row.id);
    this.live += bytes;
  }

  /** Newest `start` first. */
  list(namespace: string, query: ActivationQuery): ActivationRecord[] {
    if (query.limit <= 0) return [];
    const ids = this.indexOf(namespace, query)?.rangeDescending(range(query), query.skip, query.limit) ?? [];
    return ids.map((id) => JSON.parse(this.records.get(id)!.json) as ActivationRecord);
  }

  count(namespace: string, query: RangeQuery): number {
    return this.indexOf(namespace, query)?.count(range(query)) ?? 0;
  }

  *snapshot(): Iterable<ActivationJournalEntry> {
    for (const row of this.records.values()) {
      yield { op: 'create', record: JSON.parse(row.json) as ActivationRecord, createdAt: row.createdAt };
    }
    for (const claim of this.claims.values()) yield claim.entry;
  }

  private indexOf(namespace: string, query: RangeQuery): SortedIndex | undefined {
    return query.name === undefined ? this.byNamespace.get(namespace) : this.byName.get(slot(namespace, query.name));
  }

  private removeRecord(id: string): void {
    const row = this.records.get(id);
    if (!row) return;
    this.records.delete(id);
    this.live -= row.bytes;
    this.recordExpiry.remove(row.expiresAt, id);
    dropFrom(this.byNamespace, row.namespace, row.start, id);
    dropFrom(this.byName, slot(row.namespace, row.name), row.start, id);
  }
}

/** Checks a replayed journal entry's shape; throws when it is not one this store writes. */
export function parseActivationEntry(value: unknown): ActivationJournalEntry {
  const entry = value as Partial<Record<string, unknown>>;
  if (typeof entry !== 'object' || entry === null) throw new Error('entry is not an object');
  if (entry.op === 'create') {
    if (typeof entry.createdAt !== 'number') throw new Error('create entry lacks createdAt');
    return { op: 'create', record: checkRecord(entry.record), createdAt: entry.createdAt };
  }
  if (entry.op === 'claim') {
    const { id, holder, expiresAt, attempt, forgetAt } = entry;
    if (typeof id !== 'string' || typeof holder !== 'string') throw new Error('claim entry lacks id or holder');
    if (typeof expiresAt !== 'number' || typeof attempt !== 'number' || typeof forgetAt !== 'number') {
      throw new Error('claim entry lacks expiresAt, attempt or forgetAt');
    }
    return { op: 'claim', id, holder, expiresAt, attempt, forgetAt };
  }
  throw new Error(`unknown op ${JSON.stringify(entry.op)}`);
}

function range(query: RangeQuery): { min?: number; max?: number } {
  return { ...(query.since !== undefined ? { min: query.since } : {}), ...(query.upto !== undefined ? { max: query.upto } : {}) };
}

function indexFor(indexes: Map<string, SortedIndex>, key: string): SortedIndex {
  let index = indexes.get(key);
  if (!index) {
    index = new SortedIndex();
    indexes.set(key, index);
  }
  return index;
}

function dropFrom(indexes: Map<string, SortedIndex>, key: string, score: number, id: string): void {
  const index = indexes.get(key);
  if (!index) return;
  index.remove(score, id);
  if (index.size === 0) indexes.delete(key);
}

function slot(a: string, b: string): string {
  return `${a}\u0000${b}`;
}
