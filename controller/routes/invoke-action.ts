import type { Context } from 'koa';
import { Messages } from '../../common/errors/messages';
import { PlatformError, isPlatformError } from '../../common/errors/platform-error';
import type { ActionDoc } from '../../common/entities/action';
import type { Identity } from '../../common/entities/identity';
import { annotation } from '../../common/entities/parameters';
import { newActivationId } from '../../common/ids';
import { readJsonObject } from '../http/read-json-body';
import { queryBool, queryInt } from '../http/query';
import type { Dispatcher, InvokeOutcome, InvokeRequest } from '../invocation/dispatcher';
import type { ResolvedAction } from '../packages/package-resolver';
import type { Throttler } from '../throttles/throttler';
import { answerAccepted, answerCompleted } from './invoke-response';

// POST on an action, wherever it lives (namespace root or a package): query and body checks,
// throttles against the caller's namespace, the `final` rule, dispatch, and OpenWhisk's answer.
// Web actions (web-actions.routes.ts) share dispatchActivation, so both write the same records
// under the same throttles.

export const INVOKE_BODY_LIMIT_BYTES = 1024 * 1024;
export const MAX_BLOCKING_WAIT_MS = 60_000;

export interface InvokeDeps {
  readonly dispatcher: Dispatcher;
  readonly throttles?: Throttler;
}

export async function invokeAction(ctx: Context, deps: InvokeDeps, identity: Identity, resolve: () => Promise<ResolvedAction>): Promise<void> {
  const blocking = queryBool(ctx.query, 'blocking', false);
  const resultOnly = queryBool(ctx.query, 'result', false);
  const timeout = queryInt(ctx.query, 'timeout');
  if (timeout !== undefined && (timeout < 1 || timeout > MAX_BLOCKING_WAIT_MS)) throw new PlatformError('timeout-invalid', Messages.timeoutInvalid);
  const payload = await readJsonObject(ctx, INVOKE_BODY_LIMIT_BYTES);
  const outcome = await dispatchActivation(ctx, deps, identity, async () => {
    const resolved = await resolve();
    assertNoFinalOverrides(resolved, payload);
    return { resolved, payload };
  }, blocking ? { blocking, maxWaitMs: timeout ?? MAX_BLOCKING_WAIT_MS } : { blocking });
  if (outcome.kind === 'accepted') answerAccepted(ctx, outcome.activationId);
  else answerCompleted(ctx, outcome.record, resultOnly);
}

export interface PreparedActivation {
  readonly resolved: ResolvedAction;
  readonly payload: Record<string, unknown>;
}

/**
 * The one way a request becomes an activation (invoke routes and web actions): throttles
 * against `identity`'s namespace, which also owns the record, then dispatch. `prepare` finds
 * the action and builds its payload; what it refuses is answered after a rate refusal and before
 * a concurrency one. A completed outcome has released its concurrency slot.
 */
export async function dispatchActivation(
  ctx: Context,
  deps: InvokeDeps,
  identity: Identity,
  prepare: () => Promise<PreparedActivation>,
  wait: { readonly blocking: boolean; readonly maxWaitMs?: number },
): Promise<InvokeOutcome> {
  // The rate check, the lookup and the concurrency slot overlap (two store round trips become
  // one on the hot path); the answers keep their order: a rate refusal first, then what the
  // lookup refuses, then a concurrency refusal.
  const rateChecked = deps.throttles?.checkInvokeRate(identity.namespace) ?? Promise.resolve();
  rateChecked.catch(() => undefined); // awaited below; not unhandled while the lookup runs
  let prepared: PreparedActivation;
  try {
    prepared = await prepare();
  } catch (err) {
    await rateChecked;
    throw err;
  }
  const { resolved, payload } = prepared;
  const activationId = newActivationId();
  const slotTaken = deps.throttles?.acquire(identity.namespace, activationId, resolved.action.doc.limits.timeout) ?? Promise.resolve();
  const [rate, slot] = await Promise.allSettled([rateChecked, slotTaken]);
  if (rate.status === 'rejected') {
    if (slot.status === 'fulfilled') deps.throttles?.release(activationId);
    throw rate.reason;
  }
  if (slot.status === 'rejected') throw slot.reason;
  const request: InvokeRequest = {
    activationId,
    identity,
    action: resolved.action,
    actionNamespace: resolved.actionNamespace,
    actionName: resolved.actionName,
    payload,
    transid: ctx.state.transid as string,
    ...(resolved.bindingPath ? { binding: resolved.bindingPath } : {}),
  };
  let outcome: InvokeOutcome;
  try {
    outcome = wait.blocking ? await deps.dispatcher.invoke(request, true, wait.maxWaitMs ?? MAX_BLOCKING_WAIT_MS) : await deps.dispatcher.invoke(request, false);
  } catch (err) {
    deps.throttles?.release(activationId);
    if (isPlatformError(err)) throw err;
    ctx.state.log.error({ err }, 'activation could not be queued');
    throw new PlatformError('activation-not-queued', Messages.serviceUnavailable, { cause: err });
  }
  if (outcome.kind === 'completed') deps.throttles?.release(outcome.activationId);
  return outcome;
}

/** With annotation `final`, a payload may not replace a parameter the package or action defines. */
function assertNoFinalOverrides(resolved: ResolvedAction, payload: Record<string, unknown>): void {
  const fixed = fixedParameters(resolved.action.doc);
  if (Object.keys(payload).some((key) => fixed.has(key))) throw new PlatformError('parameters-not-allowed', Messages.parametersNotAllowed);
}

/** The parameters a request may not name: with annotation `final`, every one with a value. */
export function fixedParameters(doc: ActionDoc): ReadonlySet<string> {
  const isFinal = annotation(doc.annotations, 'final');
  if (isFinal !== true && isFinal !== 'true') return new Set();
  return new Set(doc.parameters.filter((p) => p.value !== null && p.value !== undefined).map((p) => p.key));
}
