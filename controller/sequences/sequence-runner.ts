import { MAX_SEQUENCE_LENGTH, isSequenceExec } from '../../common/entities/action';
import { errorResponse, type ActivationRecord, type ActivationResponse } from '../../common/entities/activation';
import type { Identity } from '../../common/entities/identity';
import { newActivationId } from '../../common/ids';
import type { Logger } from '../../common/logging/logger';
import type { ActivationStore } from '../../common/spi/activation-store';
import { Messages } from '../../common/errors/messages';
import { isPlatformError } from '../../common/errors/platform-error';
import { parseQualifiedName } from './sequence-components';
import type { ComponentResolver, ResolvedComponent } from './sequence-resolver';
import type { InvokeOutcome, InvokeRequest } from '../invocation/dispatcher';
import { nextInput, sequenceRecord } from './sequence-record';

// Sequences run in the controller, as in OpenWhisk (SequenceActions.scala): the components are
// resolved together, then invoked one after another through the Dispatcher as blocking
// invokes (no throttle per component: the sequence was throttled once), each result the next
// one's input, stopping at the first that does not succeed. A nested sequence runs inline with
// the same count of atomic actions. The sequence's own record is written here.

/** The Dispatcher's primitive invoke: what a component (never a sequence) goes through. */
export interface ComponentInvoker {
  invoke(request: InvokeRequest, blocking: true, maxWaitMs: number): Promise<InvokeOutcome>;
}

export interface SequenceRunnerDeps {
  readonly invoker: ComponentInvoker;
  readonly activations: ActivationStore;
  readonly resolve: ComponentResolver;
  readonly logger: Logger;
  /** Called with the topmost sequence's id once its record is written (e.g. to free its throttle slot). */
  readonly onFinished?: (activationId: string) => void;
  /** Added to a component's timeout for its blocking wait: OpenWhisk waits timeout + 1 minute. */
  readonly componentGraceMs?: number;
  readonly now?: () => number;
}

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

const DEFAULT_COMPONENT_GRACE_MS = 60_000;

export class SequenceRunner {
  private readonly running = new Set<Promise<unknown>>();
  private readonly now: () => number;
  private stopping = false;

  constructor(private readonly deps: SequenceRunnerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Same contract as Dispatcher.invoke: blocking waits up to `maxWaitMs`, then answers 'accepted' while the sequence goes on. */
  async invoke(request: InvokeRequest, blocking: boolean, maxWaitMs = 0): Promise<InvokeOutcome> {
    const activationId = request.activationId ?? newActivationId();
    const state: RunState = { identity: request.identity, transid: request.transid, acceptedAt: this.now(), atomic: 0 };
    const run = this.runSequence(request, request.payload, activationId, request.cause, state, 0, request.trigger);
    this.track(run);
    void run.then(() => this.deps.onFinished?.(activationId));
    if (!blocking) return { kind: 'accepted', activationId };
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([run, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), maxWaitMs)))]);
    clearTimeout(timer);
    return waited ? { kind: 'completed', activationId, record: waited } : { kind: 'accepted', activationId };
  }

  /**
   * No further component starts; resolves once every running sequence wrote its record, or
   * after `graceMs` (a component already sent may run for minutes; its own record is the
   * invoker's to write).
   */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
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
    void work.finally(() => this.running.delete(work));
  }

  /** Never rejects: every failure becomes the sequence's response. */
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
    try {
      await this.deps.activations.create(record);
    } catch (error) {
      this.deps.logger.error({ err: error, activationId, transid: state.transid }, 'sequence activation record could not be stored');
    }
    return record;
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
    for (const component of components) {
      if (this.stopping) return ended(errorResponse(3, Messages.sequenceFailed));
      let record: ActivationRecord;
      if (isSequenceExec(component.action.doc.exec)) {
        record = await this.runSequence(component, input, newActivationId(), activationId, state, depth + 1);
        maxMemoryMb = Math.max(maxMemoryMb, memoryOf(record) ?? 0);
      } else {
        state.atomic += 1;
        if (state.atomic > MAX_SEQUENCE_LENGTH) return ended(errorResponse(1, Messages.sequenceTooLong));
        maxMemoryMb = Math.max(maxMemoryMb, component.action.doc.limits.memory);
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
