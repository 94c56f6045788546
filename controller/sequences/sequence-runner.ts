import { MAX_SEQUENCE_LENGTH, isSequenceExec } from '../../common/entities/action';
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
      outcome = await this.runComponents(target, payload, activationId, state, depth);
    } catch (error) {
      if (error instanceof Abandoned) throw error;
      this.deps.logger.error({ err: error, activationId, transid: state.transid }, 'sequence failed');
      outcome = { response: errorResponse(3, Messages.sequenceFailed), componentIds: [], duration: 0, maxMemoryMb: target.action.doc.limits.memory };
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
      if (isSequenceExec(component.action.doc.exec)) {
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
