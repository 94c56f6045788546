// LeaderLock: one holder at a time for a job that must not run twice at once (the reaper of a
// dead invoker's topic, DESIGN.md §7). A lease, not a mutex: it lapses unless its holder renews
// it, so a holder that dies frees it within one ttl. Adapters: redis (SET NX PX), memory (one
// process, standalone).

export interface LeaderLock {
  /**
   * Takes the lock for `holder`, or extends it by `ttlMs` when `holder` has it already.
   * False while another holder's lease is live.
   */
  acquire(holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lock up if `holder` has it; another holder's lease is left alone. */
  release(holder: string): Promise<void>;
  close(): Promise<void>;
}
