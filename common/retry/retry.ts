// The one retry loop of the project: store read-modify-write races, a store or bus call that must
// eventually succeed, a port taken between choosing and binding it. Hand-written rather than
// p-retry because p-retry is ESM-only and this package is CommonJS; it is one loop and a sleep.

/** What an attempt returns to ask for another try without an exception (e.g. a revision conflict). */
export const TRY_AGAIN: unique symbol = Symbol('wisp.retry.tryAgain');
export type TryAgain = typeof TRY_AGAIN;

export interface RetryOptions {
  /** Attempts in all, the first included; `Infinity` retries until `signal` aborts. */
  readonly attempts: number;
  /** Delay before the second attempt; doubled each time up to `maxDelayMs`. 0 retries at once. */
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Spreads each delay over [0, delay) so that racing writers do not collide again in step. */
  readonly jitter?: boolean;
  /** Stops the loop: a pending delay ends at once and `retry` rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Which thrown errors are worth another attempt; the others reject at once. Default: none. */
  readonly retryIf?: (error: unknown, attempt: number) => boolean;
  /** Called before each delay, e.g. to log the failure that caused it. */
  readonly onRetry?: (cause: unknown, attempt: number, delayMs: number) => void;
  /** The error when every attempt asked for TRY_AGAIN (or the last retryable error when absent). */
  readonly exhausted?: () => Error;
}

/** Runs `attempt(1)`, `attempt(2)`, … until one returns a value, throws a final error, or attempts run out. */
export async function retry<T>(attempt: (n: number) => Promise<T | TryAgain>, options: RetryOptions): Promise<T> {
  const { attempts, minDelayMs = 0, maxDelayMs = minDelayMs, jitter = false, signal, retryIf = () => false } = options;
  let delay = minDelayMs;
  for (let n = 1; ; n++) {
    throwIfAborted(signal);
    let cause: unknown = TRY_AGAIN;
    try {
      const value = await attempt(n);
      if (value !== TRY_AGAIN) return value;
    } catch (error) {
      if (!retryIf(error, n)) throw error;
      cause = error;
    }
    if (n >= attempts) {
      if (options.exhausted) throw options.exhausted();
      throw cause === TRY_AGAIN ? new Error(`gave up after ${n} attempts`) : cause;
    }
    const wait = jitter ? Math.random() * delay : delay;
    options.onRetry?.(cause, n, wait);
    await sleep(wait, signal);
    delay = Math.min(maxDelayMs, delay * 2);
  }
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  throwIfAborted(signal);
  if (ms <= 0 && !signal) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new Error('aborted');
}
