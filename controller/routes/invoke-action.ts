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
import { MAP_BODY_LIMIT_BYTES, mapConcurrency, parseMapBody } from '../maps/map-body';
import type { MapRunner } from '../maps/map-runner';

// POST on an action, wherever it lives (namespace root or a package): query and body checks,
// throttles against the caller's namespace, the `final` rule, dispatch, and OpenWhisk's answer.
// Web actions (web-actions.routes.ts) share dispatchActivation, so both write the same records
// under the same throttles.

export const INVOKE_BODY_LIMIT_BYTES = 1024 * 1024;
export const MAX_BLOCKING_WAIT_MS = 60_000;

export interface InvokeDeps {
  readonly dispatcher: Dispatcher;
  readonly throttles?: Throttler;
  /** Runs `?map=true` invokes; without it a map is refused as unavailable. */
  readonly maps?: MapRunner;
}

/** How a throttled, prepared request is run: the Dispatcher's invoke unless a map runs it. */
type Start = (request: InvokeRequest & { readonly activationId: string }, blocking: boolean, maxWaitMs: number) => Promise<InvokeOutcome>;

export async function invokeAction(ctx: Context, deps: InvokeDeps, identity: Identity, resolve: () => Promise<ResolvedAction>): Promise<void> {
  const blocking = queryBool(ctx.query, 'blocking', false);
  const resultOnly = queryBool(ctx.query, 'result', false);
  const timeout = queryInt(ctx.query, 'timeout');
  if (timeout !== undefined && (timeout < 1 || timeout > MAX_BLOCKING_WAIT_MS)) throw new PlatformError('timeout-invalid', Messages.timeoutInvalid);
  if (queryBool(ctx.query, 'map', false)) {
    await invokeMap(ctx, deps, identity, resolve, { blocking, resultOnly, maxWaitMs: timeout ?? MAX_BLOCKING_WAIT_MS });
    return;
  }
  const payload = await readJsonObject(ctx, INVOKE_BODY_LIMIT_BYTES);
  const outcome = await dispatchActivation(ctx, deps, identity, async () => {
    const resolved = await resolve();
    assertNoFinalOverrides(resolved, payload);
    return { resolved, payload };
  }, blocking ? { blocking, maxWaitMs: timeout ?? MAX_BLOCKING_WAIT_MS } : { blocking });
  if (outcome.kind === 'accepted') answerAccepted(ctx, outcome.activationId);
  else answerCompleted(ctx, outcome.record, resultOnly);
}

/**
 * `?map=true` (ADR 0028): the body and `?concurrency=` are checked before anything runs; the map
 * is throttled as one invoke (one rate hit, one concurrency slot held until its record is
 * stored), and its items run at most `concurrency` at a time, never more than the namespace's
 * concurrent-invocations limit, queued in the map rather than refused.
 */
async function invokeMap(ctx: Context, deps: InvokeDeps, identity: Identity, resolve: () => Promise<ResolvedAction>, wait: { blocking: boolean; resultOnly: boolean; maxWaitMs: number }): Promise<void> {
  const maps = deps.maps;
  if (!maps) throw new PlatformError('activation-not-queued', Messages.serviceUnavailable);
  const asked = queryInt(ctx.query, 'concurrency');
  mapConcurrency(asked, undefined);
  const { params, payloads } = parseMapBody(await readJsonObject(ctx, MAP_BODY_LIMIT_BYTES));
  const concurrency = mapConcurrency(asked, await deps.throttles?.concurrencyLimit(identity.namespace));
  const outcome = await dispatchActivation(
    ctx,
    deps,
    identity,
    async () => {
      const resolved = await resolve();
      for (const payload of payloads) assertNoFinalOverrides(resolved, payload);
      return { resolved, payload: params };
    },
    { blocking: wait.blocking, maxWaitMs: wait.maxWaitMs },
    (request, blocking, maxWaitMs) => maps.invoke({ request, payloads, concurrency }, blocking, maxWaitMs),
  );
  if (outcome.kind === 'accepted') answerAccepted(ctx, outcome.activationId);
  else answerCompleted(ctx, outcome.record, wait.resultOnly);
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
  start?: Start,
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
    if (start) outcome = await start({ ...request, activationId }, wait.blocking, wait.maxWaitMs ?? MAX_BLOCKING_WAIT_MS);
    else outcome = wait.blocking ? await deps.dispatcher.invoke(request, true, wait.maxWaitMs ?? MAX_BLOCKING_WAIT_MS) : await deps.dispatcher.invoke(request, false);
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
