import { MAX_SEQUENCE_LENGTH, isConductorAction, isSequenceExec, type ActionDoc } from '../../common/entities/action';
import { errorResponse, type ActivationRecord, type ActivationResponse } from '../../common/entities/activation';
import type { Identity } from '../../common/entities/identity';
import type { Logger } from '../../common/logging/logger';
import { retry } from '../../common/retry/retry';
import type { ActivationStore } from '../../common/spi/activation-store';
import { Messages } from '../../common/errors/messages';
import { isPlatformError } from '../../common/errors/platform-error';
import { parseQualifiedName } from './sequence-components';
import type { ComponentResolver, ResolvedComponent } from './sequence-resolver';
import type { InvokeOutcome, InvokeRequest } from '../invocation/dispatcher';
import { nextInput, sequenceRecord } from './sequence-record';
import { stepActivationId } from './step-ids';
import { conductorDecision, conductorInput, resolveConductorName } from './conductor-turn';

// Sequences run in the controller, as in OpenWhisk (SequenceActions.scala): the components are
// resolved together, then invoked one after another through the Dispatcher as blocking
// invokes (no throttle per component: the sequence was throttled once), each result the next
// one's input, stopping at the first that does not succeed. A nested sequence runs inline with
// the same count of atomic actions. The sequence's own record is written here, create-only.
//
// A run may be a replay (ADR 0016): every step's id is derived from the sequence's id and its
// index, so a step whose record is already stored is read back instead of run again, and one
// sent again carries the id the invokers' claim already holds.

/** The Dispatcher's primitive invoke: what a component (never a sequence) goes through. */
export interface ComponentInvoker {
  invoke(request: InvokeRequest, blocking: true, maxWaitMs: number): Promise<InvokeOutcome>;
}

export interface SequenceRunnerDeps {
  readonly invoker: ComponentInvoker;
  readonly activations: ActivationStore;
  readonly resolve: ComponentResolver;
  readonly logger: Logger;
  /** Added to a component's timeout for its blocking wait: OpenWhisk waits timeout + 1 minute. */
  readonly componentGraceMs?: number;
  /** First delay between tries to store the sequence's record while the store fails. */
  readonly storeRetryMs?: number;
  /** A composition (conductor action) starts no step later than this after it was accepted. */
  readonly compositionTimeLimitMs?: number;
  readonly now?: () => number;
}

/** A topmost sequence to run: what was invoked, with the id it was accepted under. */
export type SequenceRun = Pick<InvokeRequest, 'identity' | 'action' | 'actionNamespace' | 'actionName' | 'payload' | 'transid' | 'cause' | 'binding' | 'trigger'> & {
  readonly activationId: string;
};

/** A sequence about to run: where it lives and what it is. */
type SequenceTarget = Pick<InvokeRequest, 'action' | 'actionNamespace' | 'actionName' | 'binding'>;

interface RunState {
  readonly identity: Identity;
  readonly transid: string;
  readonly acceptedAt: number;
  /** Atomic actions started so far, nested sequences included. */
  atomic: number;
}

interface Outcome {
  readonly response: ActivationResponse;
  readonly componentIds: string[];
  readonly duration: number;
  readonly maxMemoryMb: number;
}

/** The runner is stopping: the sequence is left unrecorded, for its job to be run again. */
class Abandoned extends Error {
  constructor() {
    super('sequence abandoned: the runner is stopping');
  }
}

const DEFAULT_COMPONENT_GRACE_MS = 60_000;
export const DEFAULT_COMPOSITION_TIME_LIMIT_MS = 10 * 60_000;

/** One step of a composition: its record, or how the composition ends without one. */
type StepOutcome = { readonly kind: 'ran'; readonly record: ActivationRecord } | { readonly kind: 'failed'; readonly response: ActivationResponse; readonly activationId?: string };

function runsInController(doc: ActionDoc): boolean {
  return isSequenceExec(doc.exec) || isConductorAction(doc);
}

export class SequenceRunner {
  private readonly running = new Set<Promise<unknown>>();
  private readonly now: () => number;
  private readonly stopped = new AbortController();

  constructor(private readonly deps: SequenceRunnerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Runs a topmost sequence to its stored record, which it returns (the one stored first, when
   * another controller recorded it meanwhile). Undefined when the runner stopped before the
   * record was stored: nothing is recorded, and the sequence's job is to be run again.
   */
  run(request: SequenceRun, acceptedAt: number): Promise<ActivationRecord | undefined> {
    const state: RunState = { identity: request.identity, transid: request.transid, acceptedAt, atomic: 0 };
    const work = this.runSequence(request, request.payload, request.activationId, request.cause, state, 0, request.trigger).then(
      (record) => record,
      (error: unknown) => {
        if (error instanceof Abandoned || this.stopped.signal.aborted) return undefined;
        throw error;
      },
    );
    this.track(work);
    return work;
  }

  /** Stores the record of a sequence that cannot run (e.g. its deadline passed), create-only; the stored one is returned. */
  async record(request: SequenceRun, acceptedAt: number, response: ActivationResponse): Promise<ActivationRecord | undefined> {
    const now = this.now();
    const record = sequenceRecord({
      activationId: request.activationId,
      identity: request.identity,
      sequence: request.action.doc,
      actionNamespace: request.actionNamespace,
      actionName: request.actionName,
      ...(request.binding ? { binding: request.binding } : {}),
      start: now,
      end: now,
      duration: 0,
      response,
      componentIds: [],
      maxMemoryMb: request.action.doc.limits.memory,
      waitTime: Math.max(0, now - acceptedAt),
      ...(isConductorAction(request.action.doc) ? { conductor: true } : {}),
    });
    try {
      return await this.store(record, request.transid);
    } catch (error) {
      if (error instanceof Abandoned || this.stopped.signal.aborted) return undefined;
      throw error;
    }
  }

  /**
   * No further component starts; resolves once every running sequence stored its record or
   * gave up, or after `graceMs` (a component already sent may run for minutes; its own record
   * is the invoker's to write, and the replay reads it back).
   */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped.abort(new Abandoned());
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.running]), grace]);
    clearTimeout(timer);
  }

  private track(work: Promise<unknown>): void {
    this.running.add(work);
    void work.then(
      () => this.running.delete(work),
      () => this.running.delete(work),
    );
  }

  private assertRunning(): void {
    if (this.stopped.signal.aborted) throw new Abandoned();
  }

  /** Every failure becomes the sequence's response; rejects only when abandoned. */
  private async runSequence(
    target: SequenceTarget,
    payload: Record<string, unknown> | unknown[],
    activationId: string,
    cause: string | undefined,
    state: RunState,
    depth: number,
    /** `ns/trigger` of the rule that invoked the topmost sequence. */
    trigger?: string,
  ): Promise<ActivationRecord> {
    const start = this.now();
    let outcome: Outcome;
    try {
      outcome = isConductorAction(target.action.doc) ? await this.runComposition(target, payload, activationId, state, depth) : await this.runComponents(target, payload, activationId, state, depth);
    } catch (error) {
      if (error instanceof Abandoned) throw error;
      this.deps.logger.error({ err: error, activationId, transid: state.transid }, 'sequence failed');
      const failed = isConductorAction(target.action.doc) ? Messages.compositionFailed : Messages.sequenceFailed;
      outcome = { response: errorResponse(3, failed), componentIds: [], duration: 0, maxMemoryMb: target.action.doc.limits.memory };
    }
    const record = sequenceRecord({
      activationId,
      identity: state.identity,
      sequence: target.action.doc,
      actionNamespace: target.actionNamespace,
      actionName: target.actionName,
      ...(cause !== undefined ? { cause } : {}),
      ...(target.binding ? { binding: target.binding } : {}),
      ...(trigger !== undefined ? { trigger } : {}),
      start,
      end: this.now(),
      duration: outcome.duration,
      response: outcome.response,
      componentIds: outcome.componentIds,
      maxMemoryMb: outcome.maxMemoryMb,
      waitTime: Math.max(0, start - state.acceptedAt),
      ...(isConductorAction(target.action.doc) ? { conductor: true } : {}),
    });
    return this.store(record, state.transid);
  }

  /**
   * Create-only, tried again while the store fails (the job is done only once its record is
   * stored); a record stored first by another run of the same sequence wins and is returned.
   */
  private async store(record: ActivationRecord, transid: string): Promise<ActivationRecord> {
    const outcome = await retry(() => this.deps.activations.create(record), {
      attempts: Infinity,
      minDelayMs: this.deps.storeRetryMs ?? 500,
      maxDelayMs: 10_000,
      signal: this.stopped.signal,
      retryIf: () => true,
      onRetry: (err) => this.deps.logger.warn({ err, activationId: record.activationId, transid }, 'sequence activation record could not be stored; trying again'),
    });
    if (outcome === 'created') return record;
    return (await this.lookUp(record.activationId, transid)) ?? record;
  }

  /** A stored record, or undefined when there is none or the store cannot say (the step is then sent: the claim keeps it from running twice). */
  private async lookUp(activationId: string, transid: string): Promise<ActivationRecord | undefined> {
    try {
      return await this.deps.activations.getById(activationId);
    } catch (error) {
      this.deps.logger.warn({ err: error, activationId, transid }, 'sequence step record could not be read');
      return undefined;
    }
  }

  private async runComponents(target: SequenceTarget, payload: Record<string, unknown> | unknown[], activationId: string, state: RunState, depth: number): Promise<Outcome> {
    const exec = target.action.doc.exec;
    const componentIds: string[] = [];
    let duration = 0;
    let maxMemoryMb = 0;
    const ended = (response: ActivationResponse): Outcome => ({ response, componentIds, duration, maxMemoryMb: maxMemoryMb || target.action.doc.limits.memory });
    if (!isSequenceExec(exec)) return ended(errorResponse(3, Messages.sequenceFailed));
    // A sequence changed into a cycle after it was saved would otherwise nest forever.
    if (depth > MAX_SEQUENCE_LENGTH) return ended(errorResponse(1, Messages.sequenceTooLong));
    const components = await this.resolveAll(exec.components, state.identity.namespace);
    if (!components) return ended(errorResponse(1, Messages.sequenceComponentMissing));

    let input = payload;
    let response: ActivationResponse = { statusCode: 0, result: {} };
    for (const [index, component] of components.entries()) {
      this.assertRunning();
      const stepId = stepActivationId(activationId, index);
      // A replay: this step ran (or was recorded) before the sequence's previous run ended.
      const stored = await this.lookUp(stepId, state.transid);
      let record: ActivationRecord;
      if (runsInController(component.action.doc)) {
        record = stored ?? (await this.runSequence(component, input, stepId, activationId, state, depth + 1));
        if (stored) state.atomic += stored.logs.length;
        maxMemoryMb = Math.max(maxMemoryMb, memoryOf(record) ?? 0);
      } else {
        state.atomic += 1;
        if (state.atomic > MAX_SEQUENCE_LENGTH) return ended(errorResponse(1, Messages.sequenceTooLong));
        maxMemoryMb = Math.max(maxMemoryMb, component.action.doc.limits.memory);
        if (stored) {
          record = stored;
        } else {
          let outcome: InvokeOutcome;
          try {
            const request: InvokeRequest = {
              identity: state.identity,
              action: component.action,
              actionNamespace: component.actionNamespace,
              actionName: component.actionName,
              payload: input,
              transid: state.transid,
              cause: activationId,
              causedBy: 'sequence',
              activationId: stepId,
              ...(component.binding ? { binding: component.binding } : {}),
            };
            outcome = await this.deps.invoker.invoke(request, true, component.action.doc.limits.timeout + (this.deps.componentGraceMs ?? DEFAULT_COMPONENT_GRACE_MS));
          } catch (error) {
            // No invoker, or the bus refused the message: the platform could not run the component.
            this.deps.logger.error({ err: error, activationId, transid: state.transid, sequenceComponent: component.actionName }, 'sequence component could not be invoked');
            return ended(errorResponse(3, Messages.sequenceFailed));
          }
          if (outcome.kind === 'accepted') {
            componentIds.push(outcome.activationId);
            return ended(errorResponse(3, Messages.sequenceComponentTimeout(outcome.activationId)));
          }
          record = outcome.record;
        }
      }
      componentIds.push(record.activationId);
      duration += record.duration ?? Math.max(0, record.end - record.start);
      response = record.response;
      if (response.statusCode !== 0) break;
      input = nextInput(response.result);
    }
    return ended(response);
  }

  /**
   * A conductor action's composition (reference §7.3): the conductor runs, and while its result
   * names a next `action`, that component runs with `params` and the conductor runs again on the
   * component's result with the saved `state` over it. Steps alternate conductor, component,
   * conductor…, each with an id derived from the composition's and its place (a replay reads the
   * recorded ones back, and so follows the same path). Unlike OpenWhisk, which feeds a failed
   * component's `{error}` back to the conductor, a step that does not succeed ends the
   * composition with its status (ADR 0028).
   */
  private async runComposition(target: SequenceTarget, payload: Record<string, unknown> | unknown[], activationId: string, state: RunState, depth: number): Promise<Outcome> {
    const stepIds: string[] = [];
    let duration = 0;
    let maxMemoryMb = target.action.doc.limits.memory;
    const ended = (response: ActivationResponse): Outcome => ({ response, componentIds: stepIds, duration, maxMemoryMb });
    if (depth > MAX_SEQUENCE_LENGTH) return ended(errorResponse(1, Messages.compositionTooLong));
    const limitMs = this.deps.compositionTimeLimitMs ?? DEFAULT_COMPOSITION_TIME_LIMIT_MS;
    const deadline = state.acceptedAt + limitMs;
    const took = (record: ActivationRecord, memoryMb: number): void => {
      stepIds.push(record.activationId);
      duration += record.duration ?? Math.max(0, record.end - record.start);
      maxMemoryMb = Math.max(maxMemoryMb, memoryOf(record) ?? memoryMb);
    };
    let input: Record<string, unknown> | unknown[] = payload;
    let components = 0;
    for (;;) {
      if (this.now() > deadline) return ended(errorResponse(2, Messages.compositionTimeLimit(limitMs)));
      const turn = await this.runStep(target, input, activationId, stepIds.length, state, depth);
      if (turn.kind === 'failed') {
        if (turn.activationId) stepIds.push(turn.activationId);
        return ended(turn.response);
      }
      took(turn.record, target.action.doc.limits.memory);
      const decision = conductorDecision(turn.record.response);
      if (decision.kind === 'end') return ended(decision.response);
      const step = stepIds.length + 1;
      if (decision.kind === 'malformed') return ended(errorResponse(2, Messages.compositionStepMalformed(step, decision.reason)));
      if (components >= MAX_SEQUENCE_LENGTH) return ended(errorResponse(1, Messages.compositionTooLong));
      components += 1;
      const component = await this.resolveStep(decision.action, state.identity.namespace);
      if (!component) return ended(errorResponse(2, Messages.compositionComponentMissing(step, decision.action)));
      if (this.now() > deadline) return ended(errorResponse(2, Messages.compositionTimeLimit(limitMs)));
      const ran = await this.runStep(component, decision.params, activationId, stepIds.length, state, depth);
      if (ran.kind === 'failed') {
        if (ran.activationId) stepIds.push(ran.activationId);
        return ended(ran.response);
      }
      took(ran.record, component.action.doc.limits.memory);
      if (ran.record.response.statusCode !== 0) return ended(ran.record.response);
      input = conductorInput(ran.record.response.result, decision.state);
    }
  }

  /** Step `index` of composition `compositionId`: read back when recorded, else run (a nested sequence or composition inline, an action on an invoker). */
  private async runStep(target: SequenceTarget, payload: Record<string, unknown> | unknown[], compositionId: string, index: number, state: RunState, depth: number): Promise<StepOutcome> {
    this.assertRunning();
    const stepId = stepActivationId(compositionId, index);
    const stored = await this.lookUp(stepId, state.transid);
    if (stored) return { kind: 'ran', record: stored };
    // The conductor itself (index 0, 2, …) is a conductor action, but its turn runs on an invoker.
    const conductorTurn = index % 2 === 0;
    if (!conductorTurn && runsInController(target.action.doc)) return { kind: 'ran', record: await this.runSequence(target, payload, stepId, compositionId, state, depth + 1) };
    let outcome: InvokeOutcome;
    try {
      const request: InvokeRequest = {
        identity: state.identity,
        action: target.action,
        actionNamespace: target.actionNamespace,
        actionName: target.actionName,
        payload,
        transid: state.transid,
        cause: compositionId,
        causedBy: 'sequence',
        activationId: stepId,
        ...(conductorTurn ? { conductorTurn: true } : {}),
        ...(target.binding ? { binding: target.binding } : {}),
      };
      outcome = await this.deps.invoker.invoke(request, true, target.action.doc.limits.timeout + (this.deps.componentGraceMs ?? DEFAULT_COMPONENT_GRACE_MS));
    } catch (error) {
      this.deps.logger.error({ err: error, activationId: compositionId, transid: state.transid, compositionStep: index + 1 }, 'composition step could not be invoked');
      return { kind: 'failed', response: errorResponse(3, Messages.compositionFailed) };
    }
    if (outcome.kind === 'accepted') return { kind: 'failed', activationId: outcome.activationId, response: errorResponse(3, Messages.compositionComponentTimeout(index + 1, outcome.activationId)) };
    return { kind: 'ran', record: outcome.record };
  }

  /** A conductor's next action as the caller may see it; undefined when malformed, missing or not entitled. */
  private async resolveStep(name: string, asNamespace: string): Promise<ResolvedComponent | undefined> {
    const parsed = resolveConductorName(name, asNamespace);
    if (!parsed) return undefined;
    try {
      return await this.deps.resolve(parsed, asNamespace);
    } catch (error) {
      if (isPlatformError(error)) return undefined;
      throw error;
    }
  }

  /** Every component, resolved concurrently as the caller may see it; undefined if any is missing. */
  private async resolveAll(names: readonly string[], asNamespace: string): Promise<ResolvedComponent[] | undefined> {
    const resolved = await Promise.all(
      names.map(async (name) => {
        const parsed = parseQualifiedName(name, asNamespace);
        if (!parsed) return undefined;
        try {
          return await this.deps.resolve(parsed, asNamespace);
        } catch (error) {
          // Not entitled reads as not there: the sequence cannot run either way.
          if (isPlatformError(error)) return undefined;
          throw error;
        }
      }),
    );
    return resolved.every((r): r is ResolvedComponent => r !== undefined) ? resolved : undefined;
  }
}

function memoryOf(record: ActivationRecord): number | undefined {
  const limits = record.annotations.find((a) => a.key === 'limits')?.value as { memory?: unknown } | undefined;
  return typeof limits?.memory === 'number' ? limits.memory : undefined;
}
