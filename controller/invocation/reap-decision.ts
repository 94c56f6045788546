import { errorResponse, type ActivationRecord } from '../../common/entities/activation';
import type { ActivationMessage } from '../../common/protocol/activation-message';
import type { InvokerState } from './invoker-health';

// Pure: what the reaper (invoker-reaper.ts) does about an invoker and about each message left on
// its topic (DESIGN.md §7). An invoker is reaped once it has been silent longer than any action
// may run, so nothing it started can still be running; a message left unfinished is sent to a
// healthy invoker while its caller could still want the result, and failed on record after.

export type ReapStep = 'finished' | 'redispatch' | 'fail';

export const REAPED_MESSAGE = 'The invoker this activation was sent to stopped, and it could not be run elsewhere before its deadline.';

export function shouldReap(state: InvokerState, lastHeardAt: number, now: number, reapAfterMs: number): boolean {
  return state === 'down' && now - lastHeardAt >= reapAfterMs;
}

/** `redispatchWindowMs` after the controller accepted it, an activation is past saving. */
export function reapStep(recordExists: boolean, acceptedAt: number, now: number, redispatchWindowMs: number): ReapStep {
  if (recordExists) return 'finished';
  return now - acceptedAt < redispatchWindowMs ? 'redispatch' : 'fail';
}

/** A whisk internal error in the caller's namespace, shaped like the record the invoker would have written. */
export function reapedRecord(message: ActivationMessage, now: number): ActivationRecord {
  const path = `${message.action.namespace}/${message.action.name}`;
  return {
    namespace: message.user.namespace,
    name: message.action.name,
    subject: message.user.subject,
    activationId: message.activationId,
    start: now,
    end: now,
    duration: 0,
    ...(message.cause ? { cause: message.cause } : {}),
    response: errorResponse(3, REAPED_MESSAGE),
    logs: [],
    version: message.action.version,
    publish: false,
    annotations: [
      { key: 'path', value: path },
      { key: 'waitTime', value: Math.max(0, now - message.acceptedAt) },
      { key: 'kind', value: message.kind },
      { key: 'limits', value: message.limits },
    ],
  };
}
