import type { Logger } from '../common/logging/logger';
import { brandedError, brandGuard } from '../common/protocol/branded-error';
import { retry } from '../common/retry/retry';

// A store or bus call an invoker worker cannot go on without (the claim, the record, the
// dead-letter send) is retried with capped backoff until it succeeds: giving up would leave the
// message uncommitted anyway. Only stop() ends the wait, by aborting with Abandoned.

/** The reason stop() aborts its workers with: a worker that meets it ends without recording. */
export class Abandoned extends brandedError('Abandoned') {}

export const isAbandoned = brandGuard(Abandoned);

export interface StoreRetryOptions {
  /** Aborted (with an Abandoned reason) once stop() gives up on the workers. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

export type StoreRetry = <T>(what: string, call: () => Promise<T>) => Promise<T>;

export function storeRetry(options: StoreRetryOptions): StoreRetry {
  return (what, call) =>
    retry(() => call(), {
      attempts: Infinity,
      minDelayMs: RETRY_MIN_MS,
      maxDelayMs: RETRY_MAX_MS,
      signal: options.signal,
      retryIf: () => true,
      onRetry: (cause, _attempt, delayMs) => options.logger.warn({ err: cause, retryInMs: delayMs }, `${what} failed`),
    });
}
