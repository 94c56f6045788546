// ThrottleStore: the counters behind per-namespace throttles (DESIGN.md §4), shared by every
// controller. Adapters: redis (atomic Lua scripts), memory (one process: standalone, unit tests).
//
// Two mechanisms:
// - rate: a counter per key and fixed window (OpenWhisk's calendar minute). Every check counts,
//   accepted or not, and a check is allowed while `count <= limit` (ENT/RateThrottler.scala).
// - concurrency: the in-flight activation ids of a namespace, each with its own deadline. An id
//   whose deadline passed no longer counts, so a lost ack or a dead controller can never leave a
//   namespace throttled for good. A slot is granted while the live count is below the limit.

export interface ThrottleOutcome {
  readonly allowed: boolean;
  /** Rate: hits in the current window including this one. Concurrency: live in-flight ids (including this one when granted). */
  readonly count: number;
}

export interface ThrottleStore {
  /** Counts one hit against `key` in the current window of `windowMs` (windows are aligned to the epoch). */
  hit(key: string, windowMs: number, limit: number): Promise<ThrottleOutcome>;
  /**
   * Adds `activationId` to the namespace's in-flight set until `deadline` (epoch ms) when fewer than
   * `limit` live ids are there. Acquiring an id already held refreshes its deadline and is allowed.
   */
  acquire(namespace: string, activationId: string, deadline: number, limit: number): Promise<ThrottleOutcome>;
  /** Removes an id from the namespace's in-flight set; unknown ids are ignored. */
  release(namespace: string, activationId: string): Promise<void>;
  /** Live in-flight ids of a namespace (expired ones excluded). */
  inFlight(namespace: string): Promise<number>;
  close(): Promise<void>;
}
