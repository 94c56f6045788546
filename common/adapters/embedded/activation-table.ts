import type { ActivationRecord } from '../../entities/activation';
import { Messages } from '../../errors/messages';
import { PlatformError } from '../../errors/platform-error';
import type { ActivationFilter, ActivationPosition, ActivationQuery, ClaimOutcome } from '../../spi/activation-store';
import { COUNT_SCAN_BUDGET, PAGE_SCAN_BUDGET, indexedFields, isAfter, matches, planQuery, selectorsOf, type IndexDriver, type IndexSelector, type IndexedFields } from '../activation-index';
import { checkStoredRecord } from './activation-record-check';
import { SortedIndex, type ScoreRange } from './sorted-index';

// The embedded activation store's state and rules, without I/O. Time comes in as `now` so that
// retention and claim expiry behave like Redis TTLs and can be tested with a fake clock.
// The query indexes (activation-index.ts) live in memory only: replaying the journal on start
// writes every record to them again. Logs are kept apart from the rest of a record, in a map of
// their own (journaled in the create entry beside the record, rebuilt with it on start), so that
// a list parses none of them unless asked.

/** A record as stored, its logs apart. */
export type StoredRecord = Omit<ActivationRecord, 'logs'>;

export type ActivationJournalEntry =
  | { readonly op: 'create'; readonly record: StoredRecord; readonly logs: readonly string[]; readonly createdAt: number }
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
  readonly fields: IndexedFields;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly json: string;
  readonly bytes: number;
}

interface ClaimRow {
  readonly entry: ClaimEntry;
  readonly bytes: number;
}

export type RangeQuery = ActivationFilter;

export interface TablePage {
  readonly records: ActivationRecord[];
  readonly next?: ActivationPosition;
}

export class ActivationTable {
  private readonly records = new Map<string, ActivationRow>();
  /** Each record's logs as JSON, by id; beside `records`, written and dropped with it. */
  private readonly logsById = new Map<string, string>();
  /** By namespace and index: every selector of activation-index.ts, and each cause. */
  private readonly indexes = new Map<string, SortedIndex>();
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
    return row && this.withLogs(row);
  }

  /** The record's logs alone. */
  logs(activationId: string): readonly string[] | undefined {
    const logs = this.logsById.get(activationId);
    return logs === undefined ? undefined : (JSON.parse(logs) as string[]);
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
    const { record, logs, createdAt } = entry;
    const expiresAt = createdAt + this.retentionMs;
    if (expiresAt <= now) return;
    this.removeRecord(record.activationId);
    const row: ActivationRow = {
      id: record.activationId,
      namespace: record.namespace,
      fields: indexedFields(record),
      createdAt,
      expiresAt,
      json: JSON.stringify(record),
      bytes,
    };
    this.records.set(row.id, row);
    this.logsById.set(row.id, JSON.stringify(logs));
    for (const key of indexKeys(row)) indexFor(this.indexes, key).add(row.fields.start, row.id);
    this.recordExpiry.add(expiresAt, row.id);
    this.live += bytes;
  }

  /** Newest (start, id) first, from the driving index; see activation-index.ts for the bounds. */
  page(namespace: string, query: ActivationQuery): TablePage {
    if (query.limit <= 0) return { records: [] };
    const plan = planQuery(query);
    const index = this.indexes.get(driverKey(namespace, plan.driver));
    if (!index) return { records: [] };
    const { after } = query;
    const scoreRange = range(query);
    // Without checks or a cursor the skip is an offset into the index, as ZREVRANGEBYSCORE's LIMIT.
    const offset = !plan.checked && after === undefined ? Math.max(0, query.skip) : 0;
    let skip = offset > 0 ? 0 : Math.max(0, query.skip);
    const readRange: ScoreRange = after === undefined ? scoreRange : { ...scoreRange, max: Math.min(scoreRange.max ?? Infinity, after.start) };
    const records: ActivationRecord[] = [];
    let scanned = 0;
    let last: ActivationPosition | undefined;
    for (const { score, member } of index.descending(readRange, offset)) {
      if (!isAfter(after, score, member)) continue;
      const row = this.records.get(member)!;
      scanned += 1;
      last = { start: score, id: member };
      if (!plan.checked || matches(row.fields, query)) {
        if (skip > 0) skip -= 1;
        else {
          records.push(query.withLogs === true ? this.withLogs(row) : { ...(JSON.parse(row.json) as StoredRecord), logs: [] });
          if (records.length >= query.limit) return { records, next: last };
        }
      }
      if (plan.checked && scanned >= PAGE_SCAN_BUDGET) return { records, next: last };
    }
    return { records };
  }

  count(namespace: string, query: RangeQuery): number {
    const plan = planQuery(query);
    const index = this.indexes.get(driverKey(namespace, plan.driver));
    if (!index) return 0;
    if (!plan.checked) return index.count(range(query));
    let scanned = 0;
    let count = 0;
    for (const { member } of index.descending(range(query))) {
      if (++scanned > COUNT_SCAN_BUDGET) throw new PlatformError('activation-query-too-broad', Messages.activationQueryTooBroad(COUNT_SCAN_BUDGET));
      if (matches(this.records.get(member)!.fields, query)) count += 1;
    }
    return count;
  }

  *snapshot(): Iterable<ActivationJournalEntry> {
    for (const row of this.records.values()) {
      yield { op: 'create', record: JSON.parse(row.json) as StoredRecord, logs: this.logs(row.id) ?? [], createdAt: row.createdAt };
    }
    for (const claim of this.claims.values()) yield claim.entry;
  }

  private withLogs(row: ActivationRow): ActivationRecord {
    return { ...(JSON.parse(row.json) as StoredRecord), logs: this.logs(row.id) ?? [] };
  }

  private removeRecord(id: string): void {
    const row = this.records.get(id);
    if (!row) return;
    this.records.delete(id);
    this.logsById.delete(id);
    this.live -= row.bytes;
    this.recordExpiry.remove(row.expiresAt, id);
    for (const key of indexKeys(row)) dropFrom(this.indexes, key, row.fields.start, id);
  }
}

/** Checks a replayed journal entry's shape; throws when it is not one this store writes. */
export function parseActivationEntry(value: unknown): ActivationJournalEntry {
  const entry = value as Partial<Record<string, unknown>>;
  if (typeof entry !== 'object' || entry === null) throw new Error('entry is not an object');
  if (entry.op === 'create') {
    if (typeof entry.createdAt !== 'number') throw new Error('create entry lacks createdAt');
    if (entry.logs === undefined) {
      // written before logs were kept apart: they are inside the record
      const { logs = [], ...record } = checkStoredRecord(entry.record);
      return { op: 'create', record, logs, createdAt: entry.createdAt };
    }
    if (!Array.isArray(entry.logs) || !entry.logs.every((line) => typeof line === 'string')) throw new Error('create entry has logs that are not strings');
    return { op: 'create', record: checkStoredRecord(entry.record), logs: entry.logs as string[], createdAt: entry.createdAt };
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

function indexKeys(row: ActivationRow): string[] {
  const keys = selectorsOf(row.fields).map((selector) => driverKey(row.namespace, { by: 'selector', selector }));
  if (row.fields.cause !== undefined) keys.push(driverKey(row.namespace, { by: 'cause', cause: row.fields.cause }));
  if (row.fields.trigger !== undefined) keys.push(driverKey(row.namespace, { by: 'trigger', trigger: row.fields.trigger }));
  return keys;
}

/** One string per (namespace, index); NUL appears in no namespace, name or activation id. */
function driverKey(namespace: string, driver: IndexDriver): string {
  if (driver.by === 'cause') return ['c', namespace, driver.cause].join('\u0000');
  if (driver.by === 'trigger') return ['t', namespace, driver.trigger].join('\u0000');
  const selector: IndexSelector = driver.selector;
  return ['s', namespace, selector.name ?? '', selector.status ?? '', selector.start ?? ''].join('\u0000');
}
