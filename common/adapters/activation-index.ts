import type { ActivationRecord, StartKind, StatusCode } from '../entities/activation';
import { START_KINDS } from '../entities/activation';
import type { ActivationFilter, ActivationPosition } from '../spi/activation-store';

// Which indexes an activation record is written to, and how a query is answered from them; the
// Redis and the embedded store both follow this (ADR 0023). Every subset of (name, status, start
// kind) has its own index ordered by (start, id), so any combination of those three filters with
// a time range is one range read. `cause` and `trigger` have indexes of their own, which drive a
// query whenever they are given (cause first: a sequence or a fire causes few activations; then
// trigger). What the driving index does not cover (minDuration, the other filters beside them) is
// checked record by record, over a bounded number of index entries per call.

/** Index entries one list call walks at most when filters are checked record by record. */
export const PAGE_SCAN_BUDGET = 2000;
/** Index entries one count walks at most when filters are checked record by record. */
export const COUNT_SCAN_BUDGET = 20000;

/** What the indexes and the record-by-record checks know of a record. */
export interface IndexedFields {
  readonly id: string;
  readonly start: number;
  readonly name: string;
  readonly statusCode: StatusCode;
  readonly startKind?: StartKind;
  readonly cause?: string;
  /** `ns/trigger` of the rule's trigger that invoked it. */
  readonly trigger?: string;
  readonly duration: number;
}

/** One index: the records matching every field given. `{}` is the namespace's index. */
export interface IndexSelector {
  readonly name?: string;
  readonly status?: StatusCode;
  readonly start?: StartKind;
}

export type IndexDriver =
  | { readonly by: 'selector'; readonly selector: IndexSelector }
  | { readonly by: 'cause'; readonly cause: string }
  | { readonly by: 'trigger'; readonly trigger: string };

export interface QueryPlan {
  readonly driver: IndexDriver;
  /** Whether some filter is left for the record-by-record check. */
  readonly checked: boolean;
}

export function indexedFields(record: Omit<ActivationRecord, 'logs'>): IndexedFields {
  const startKind = record.annotations.find((a) => a.key === 'startKind')?.value;
  const trigger = record.annotations.find((a) => a.key === 'trigger')?.value;
  return {
    id: record.activationId,
    start: record.start,
    name: record.name,
    statusCode: record.response.statusCode,
    ...(START_KINDS.includes(startKind as StartKind) ? { startKind: startKind as StartKind } : {}),
    ...(record.cause !== undefined ? { cause: record.cause } : {}),
    ...(typeof trigger === 'string' ? { trigger } : {}),
    duration: record.duration ?? Math.max(0, record.end - record.start),
  };
}

/** Every index the record belongs to, but the cause and trigger indexes. */
export function selectorsOf(fields: IndexedFields): IndexSelector[] {
  const selectors: IndexSelector[] = [];
  for (const name of [undefined, fields.name]) {
    for (const status of [undefined, fields.statusCode]) {
      for (const start of fields.startKind === undefined ? [undefined] : [undefined, fields.startKind]) {
        selectors.push({ ...(name !== undefined ? { name } : {}), ...(status !== undefined ? { status } : {}), ...(start !== undefined ? { start } : {}) });
      }
    }
  }
  return selectors;
}

export function planQuery(filter: ActivationFilter): QueryPlan {
  if (filter.cause !== undefined) {
    const checked = filter.name !== undefined || filter.status !== undefined || filter.start !== undefined || filter.trigger !== undefined || filter.minDuration !== undefined;
    return { driver: { by: 'cause', cause: filter.cause }, checked };
  }
  if (filter.trigger !== undefined) {
    const checked = filter.name !== undefined || filter.status !== undefined || filter.start !== undefined || filter.minDuration !== undefined;
    return { driver: { by: 'trigger', trigger: filter.trigger }, checked };
  }
  const selector: IndexSelector = {
    ...(filter.name !== undefined ? { name: filter.name } : {}),
    ...(filter.status !== undefined ? { status: filter.status } : {}),
    ...(filter.start !== undefined ? { start: filter.start } : {}),
  };
  return { driver: { by: 'selector', selector }, checked: filter.minDuration !== undefined };
}

/** The record-by-record check (the time range is the index read's). */
export function matches(fields: IndexedFields, filter: ActivationFilter): boolean {
  return (
    (filter.name === undefined || fields.name === filter.name) &&
    (filter.status === undefined || fields.statusCode === filter.status) &&
    (filter.start === undefined || fields.startKind === filter.start) &&
    (filter.cause === undefined || fields.cause === filter.cause) &&
    (filter.trigger === undefined || fields.trigger === filter.trigger) &&
    (filter.minDuration === undefined || fields.duration >= filter.minDuration)
  );
}

/** Whether (start, id) comes strictly after `position` in the newest-first order. */
export function isAfter(position: ActivationPosition | undefined, start: number, id: string): boolean {
  return position === undefined || start < position.start || (start === position.start && id < position.id);
}
