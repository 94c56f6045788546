import { errorResponse, type ActivationResponse } from '../common/entities/activation';
import { ActivationMessages } from './activation-messages';
import { assertNever, type CallOutcome } from './call-outcome';

// Turns what a runtime proxy answered into an ActivationResponse exactly as OpenWhisk's
// ActivationResponse.processInitResponseContent / processRunResponseContent do (clients §3.4),
// so the statuses and messages clients see match upstream.

export interface ClassifyContext {
  /** The action's timeout, quoted in the timeout message. */
  readonly timeoutMs: number;
  /** The container was killed for exceeding its memory (only asked after a timeout or a drop). */
  readonly oomKilled: boolean;
}

export type InitVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly response: ActivationResponse; readonly timedOut: boolean };

export interface RunVerdict {
  readonly response: ActivationResponse;
  readonly timedOut: boolean;
}

export function classifyInit(outcome: CallOutcome, context: ClassifyContext): InitVerdict {
  switch (outcome.kind) {
    case 'response': {
      if (outcome.status === 200) return { ok: true };
      const error = errorField(outcome.body);
      const result = error.present ? error.value : ActivationMessages.initFailed(outcome.body);
      return { ok: false, response: errorResponse(2, result), timedOut: false };
    }
    case 'too-large':
      return { ok: false, response: errorResponse(2, ActivationMessages.initFailed(outcome.truncated)), timedOut: false };
    case 'timeout':
      if (context.oomKilled) return { ok: false, response: errorResponse(2, ActivationMessages.memoryExhausted), timedOut: false };
      return { ok: false, response: errorResponse(2, ActivationMessages.timedOut(context.timeoutMs, true)), timedOut: true };
    case 'dropped':
      return {
        ok: false,
        response: errorResponse(2, context.oomKilled ? ActivationMessages.memoryExhausted : ActivationMessages.initExitedUnexpectedly),
        timedOut: false,
      };
    default:
      return assertNever(outcome);
  }
}

export function classifyRun(outcome: CallOutcome, context: ClassifyContext): RunVerdict {
  switch (outcome.kind) {
    case 'response':
      return { response: classifyRunBody(outcome.status, outcome.body), timedOut: false };
    case 'too-large':
      return {
        response: errorResponse(1, ActivationMessages.truncatedResponse(outcome.length, outcome.max, outcome.truncated)),
        timedOut: false,
      };
    case 'timeout':
      if (context.oomKilled) return { response: errorResponse(2, ActivationMessages.memoryExhausted), timedOut: false };
      return { response: errorResponse(2, ActivationMessages.timedOut(context.timeoutMs, false)), timedOut: true };
    case 'dropped':
      return {
        response: errorResponse(2, context.oomKilled ? ActivationMessages.memoryExhausted : ActivationMessages.runExitedUnexpectedly),
        timedOut: false,
      };
    default:
      return assertNever(outcome);
  }
}

function classifyRunBody(status: number, body: string): ActivationResponse {
  const parsed = parseJson(body);
  const invalid = errorResponse(2, ActivationMessages.invalidRunResponse(body));
  if (!parsed.ok) return invalid;
  const value = parsed.value;
  if (Array.isArray(value)) return status === 200 ? { statusCode: 0, result: value, size: body.length } : invalid;
  if (typeof value !== 'object' || value === null) return invalid;
  const fields = value as Record<string, unknown>;
  // OpenWhisk keeps only the `error` field of an error result (ActivationResponse.applicationError).
  if (status === 200) {
    return 'error' in fields ? { ...errorResponse(1, fields.error), size: body.length } : { statusCode: 0, result: value, size: body.length };
  }
  return 'error' in fields ? errorResponse(2, fields.error) : invalid;
}

function errorField(body: string): { present: true; value: unknown } | { present: false } {
  const parsed = parseJson(body);
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) return { present: false };
  const fields = parsed.value as Record<string, unknown>;
  return 'error' in fields ? { present: true, value: fields.error } : { present: false };
}

function parseJson(body: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false };
  }
}
