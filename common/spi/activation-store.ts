import type { ActivationRecord, StartKind, StatusCode } from '../entities/activation';

// ActivationStore: activation records with logs, indexes for filtered queries, and the claim
// that keeps two invokers from running the same activation. Adapters: redis, embedded.
// Logs are stored apart from the rest of a record (ADR 0023): get and getById put them back,
// logs reads only them, and a list loads them only when asked (withLogs).

export type CreateOutcome = 'created' | 'duplicate';

export type ClaimOutcome =
  /** Nobody held it: run it. `attempt` is 1 the first time, higher when an earlier claim expired. */
  | { readonly granted: true; readonly attempt: number }
  /** A live claim is held by someone else (or by `holder` itself earlier): skip it. */
  | { readonly granted: false; readonly holder: string };

export interface ClaimOptions {
  /** A holder whose live claim is taken over as if it had expired. */
  readonly supersedes?: string;
}

/** Filters a list or a count narrows by; each one an adapter answers from an index (ADR 0023). */
export interface ActivationFilter {
  /** Matches the record's `name` (`action` or `pkg/action`). */
  readonly name?: string;
  /** Inclusive lower bound on `start`, epoch ms. */
  readonly since?: number;
  /** Inclusive upper bound on `start`, epoch ms. */
  readonly upto?: number;
  /** The record's `response.statusCode`. */
  readonly status?: StatusCode;
  /** The record's `startKind` annotation; records without one (never reached a container) never match. */
  readonly start?: StartKind;
  /** The record's `cause`: the sequence or trigger activation that caused it. */
  readonly cause?: string;
  /** The record's `trigger` annotation (`ns/trigger`): a rule of that trigger invoked it. */
  readonly trigger?: string;
  /** Lower bound on `duration`, ms. */
  readonly minDuration?: number;
}

/** A place in the newest-first order by (start, activationId): a page goes on strictly after it. */
export interface ActivationPosition {
  readonly start: number;
  readonly id: string;
}

export interface ActivationQuery extends ActivationFilter {
  readonly skip: number;
  readonly limit: number;
  /** Go on after this position (cursor paging); records written meanwhile never shift a page. */
  readonly after?: ActivationPosition;
  /** Load each record's logs too; without it the records come with `logs: []` and no log is read. */
  readonly withLogs?: boolean;
}

export interface ActivationPage {
  readonly records: ActivationRecord[];
  /**
   * Where the next page starts; absent when the range is exhausted (a full page that ended at the
   * range's last record may still name one, and the page after it is empty). A page may hold fewer than
   * `limit` records and still have a next one: a filter checked record by record scans a bounded
   * number of index entries per call.
   */
  readonly next?: ActivationPosition;
}

export interface ActivationStore {
  /** Create-only: the first writer wins, later writers get 'duplicate' and change nothing. */
  create(record: ActivationRecord): Promise<CreateOutcome>;
  get(namespace: string, activationId: string): Promise<ActivationRecord | undefined>;
  /** Looks a record up by id alone (the controller's waiter knows only the id). */
  getById(activationId: string): Promise<ActivationRecord | undefined>;
  /** A record's logs alone, without reading the rest of it; undefined when no such record is in the namespace. */
  logs(namespace: string, activationId: string): Promise<readonly string[] | undefined>;
  /** Newest (start, id) first; logs only with `withLogs`. */
  list(namespace: string, query: ActivationQuery): Promise<ActivationRecord[]>;
  /** As list, with where the next page starts. */
  page(namespace: string, query: ActivationQuery): Promise<ActivationPage>;
  /** Throws PlatformError 'activation-query-too-broad' when a record-by-record filter would scan past its bound. */
  count(namespace: string, query: ActivationFilter): Promise<number>;
  /**
   * Atomic claim with expiry (Redis SET NX PX). An expired claim can be taken again, with
   * attempt + 1; so can a live one held by exactly `options.supersedes`, a holder the caller
   * knows to be dead (its own previous life: invoker ids are leased to one process at a time).
   */
  claim(activationId: string, holder: string, ttlMs: number, options?: ClaimOptions): Promise<ClaimOutcome>;
  close(): Promise<void>;
}
