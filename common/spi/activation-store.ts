import type { ActivationRecord } from '../entities/activation';

// ActivationStore: activation records with logs, simple indexes for queries, and the claim
// that keeps two invokers from running the same activation. Adapters: redis, embedded.

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

export interface ActivationQuery {
  /** Matches the record's `name` (`action` or `pkg/action`). */
  readonly name?: string;
  /** Inclusive lower bound on `start`, epoch ms. */
  readonly since?: number;
  /** Inclusive upper bound on `start`, epoch ms. */
  readonly upto?: number;
  readonly skip: number;
  readonly limit: number;
}

export interface ActivationStore {
  /** Create-only: the first writer wins, later writers get 'duplicate' and change nothing. */
  create(record: ActivationRecord): Promise<CreateOutcome>;
  get(namespace: string, activationId: string): Promise<ActivationRecord | undefined>;
  /** Looks a record up by id alone (the controller's waiter knows only the id). */
  getById(activationId: string): Promise<ActivationRecord | undefined>;
  /** Newest `start` first. */
  list(namespace: string, query: ActivationQuery): Promise<ActivationRecord[]>;
  count(namespace: string, query: Omit<ActivationQuery, 'skip' | 'limit'>): Promise<number>;
  /**
   * Atomic claim with expiry (Redis SET NX PX). An expired claim can be taken again, with
   * attempt + 1; so can a live one held by exactly `options.supersedes`, a holder the caller
   * knows to be dead (its own previous life: invoker ids are leased to one process at a time).
   */
  claim(activationId: string, holder: string, ttlMs: number, options?: ClaimOptions): Promise<ClaimOutcome>;
  close(): Promise<void>;
}
