// Counters of one invoker's life, for its logs and for tests that assert what happened.

export interface InvokerStats {
  received: number;
  completed: number;
  /** A record for the id existed already when this invoker wrote its own. */
  duplicates: number;
  /** Deliveries skipped because a live claim was held elsewhere. */
  claimsHeld: number;
  /** Claims of this invoker id's previous life (a crashed process) taken over at once. */
  claimsTakenOver: number;
  /** Runs after an expired claim. */
  retries: number;
  undecodable: number;
  deadLettered: number;
  pauses: number;
}

export function emptyStats(): InvokerStats {
  return { received: 0, completed: 0, duplicates: 0, claimsHeld: 0, claimsTakenOver: 0, retries: 0, undecodable: 0, deadLettered: 0, pauses: 0 };
}
