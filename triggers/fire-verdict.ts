// What a fire's answer means for the registration (pure), as OpenWhisk's alarms provider decides:
// 2xx is accepted (204 too: no active rule is still a delivered fire); 408, 409, 429, 5xx and no
// answer at all are tried again with backoff; any other answer (the trigger deleted, the key
// revoked) will not get better, so the registration is disabled with the reason.

export type FireAnswer = number | 'unreachable';

export type FireVerdict =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'disable'; readonly statusCode: number; readonly message: string };

export interface Backoff {
  readonly firstMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { firstMs: 1000, maxMs: 60_000 };

const RETRIED = new Set([408, 409, 429]);

/** `attempt` is 1 for the first answer of a tick. */
export function fireVerdict(answer: FireAnswer, attempt: number, backoff: Backoff = DEFAULT_BACKOFF): FireVerdict {
  if (answer !== 'unreachable' && answer >= 200 && answer < 300) return { kind: 'accepted' };
  if (answer === 'unreachable' || answer >= 500 || RETRIED.has(answer)) {
    return { kind: 'retry', delayMs: Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.min(30, Math.max(0, attempt - 1))) };
  }
  return { kind: 'disable', statusCode: answer, message: `Automatically disabled after receiving a ${answer} status code when firing the trigger` };
}
