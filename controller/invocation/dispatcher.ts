import { isConductorAction, isSequenceExec, type ActionDoc } from '../../common/entities/action';
import type { ActivationRecord } from '../../common/entities/activation';
import type { Identity } from '../../common/entities/identity';
import { toObject } from '../../common/entities/parameters';
import { newActivationId } from '../../common/ids';
import type { Logger } from '../../common/logging/logger';
import type { Naming } from '../../common/naming';
import { ACTIVATION_MESSAGE_VERSION, encodeActivationMessage, type ActivationMessage } from '../../common/protocol/activation-message';
import type { MessageKey } from '../../common/protocol/message-seal';
import type { MessageBus } from '../../common/spi/message-bus';
import type { Stored } from '../../common/spi/entity-store';
import type { CompletionWaiter } from './completion-waiter';
import type { LoadBalancer } from './load-balancer';

// Two-phase invoke: one outcome when the message is accepted, then the record, or just the id
// when the blocking wait runs out (the action keeps running and its record lands in the store).

export interface InvokeRequest {
  readonly identity: Identity;
  readonly action: Stored<ActionDoc>;
  /** Namespace part of the action's path (`ns` or `ns/pkg`) and its simple name. */
  readonly actionNamespace: string;
  readonly actionName: string;
  /** An array only as a sequence component's input (the previous component's array result). */
  readonly payload: Record<string, unknown> | unknown[];
  readonly transid: string;
  readonly cause?: string;
  readonly causedBy?: 'sequence' | 'trigger';
  /** `ns/binding` when invoked through a package binding. */
  readonly binding?: string;
  /** `ns/trigger` when a rule of that trigger invoked it. */
  readonly trigger?: string;
  /** An id chosen before dispatch (the throttle's concurrency slot is taken under it); a fresh one otherwise. */
  readonly activationId?: string;
  /** A conductor's own turn: run the action on an invoker, not as a composition. */
  readonly conductorTurn?: boolean;
}

/** Runs sequences and compositions, which never reach an invoker themselves (sequence-runner.ts). */
export interface SequenceInvoker {
  invoke(request: InvokeRequest, blocking: boolean, maxWaitMs?: number): Promise<InvokeOutcome>;
}

export type InvokeOutcome =
  | { readonly kind: 'completed'; readonly activationId: string; readonly record: ActivationRecord }
  | { readonly kind: 'accepted'; readonly activationId: string };

// Reservations on the balancer are released on every ack this controller receives, and swept
// often enough that an expired one, or one on an invoker gone down, stops counting within a
// second or so. The reaper's re-dispatches share this balancer, so the same two mechanisms
// release the memory it reserves.
const SWEEP_MS = 1000;

export class Dispatcher {
  private readonly sweeper: NodeJS.Timeout;
  private sequences: SequenceInvoker | undefined;

  constructor(
    private readonly deps: {
      readonly controllerId: string;
      /** Seals the caller's key and the parameters on the bus (ADR 0014). */
      readonly messageKey: MessageKey;
      readonly bus: MessageBus;
      readonly naming: Naming;
      readonly balancer: LoadBalancer;
      readonly waiter: CompletionWaiter;
      readonly logger: Logger;
    },
  ) {
    deps.waiter.onCompletion((activationId) => deps.balancer.release(activationId));
    this.sweeper = setInterval(() => deps.balancer.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  /** Every caller (invoke routes, trigger fires) hands sequences here; the runner sends their components back as primitive invokes. */
  handleSequencesWith(runner: SequenceInvoker): void {
    this.sequences = runner;
  }

  async invoke(request: InvokeRequest, blocking: false): Promise<InvokeOutcome>;
  async invoke(request: InvokeRequest, blocking: true, maxWaitMs: number): Promise<InvokeOutcome>;
  async invoke(request: InvokeRequest, blocking: boolean, maxWaitMs = 0): Promise<InvokeOutcome> {
    const { action, identity } = request;
    const doc = action.doc;
    // Compositions (conductor actions) are run by the same durable runner as sequences (ADR 0028).
    if (isSequenceExec(doc.exec) || (!request.conductorTurn && isConductorAction(doc))) {
      if (!this.sequences) throw new Error('sequences cannot be run: no sequence runner is attached to the dispatcher');
      return this.sequences.invoke(request, blocking, maxWaitMs);
    }
    const activationId = request.activationId ?? newActivationId();
    const actionPath = `${request.actionNamespace}/${request.actionName}`;
    const invokerId = this.deps.balancer.choose(identity.namespace, actionPath, doc.limits.memory, doc.limits.gpu);
    const runParameters = doc.parameters.filter((p) => !p.init);
    const message: ActivationMessage = {
      v: ACTIVATION_MESSAGE_VERSION,
      activationId,
      transid: request.transid,
      controllerId: this.deps.controllerId,
      action: { namespace: request.actionNamespace, name: request.actionName, revision: action.revision, version: doc.version },
      limits: doc.limits,
      kind: doc.exec.kind,
      user: { subject: identity.subject, namespace: identity.namespace, authKey: identity.authKey },
      // An array input goes to the action as it is: there is nothing to merge parameters into.
      content: Array.isArray(request.payload) ? request.payload : { ...toObject(runParameters), ...request.payload },
      blocking,
      acceptedAt: Date.now(),
      ...(request.cause ? { cause: request.cause } : {}),
      ...(request.causedBy ? { causedBy: request.causedBy } : {}),
      ...(request.binding ? { binding: request.binding } : {}),
      ...(request.trigger ? { trigger: request.trigger } : {}),
    };
    // The waiter exists before the message does, so the ack cannot outrun it.
    const waiter = blocking ? this.deps.waiter.register(activationId, doc.limits.timeout) : undefined;
    this.deps.balancer.reserve(activationId, invokerId, doc.limits.memory, doc.limits.timeout, doc.limits.gpu);
    try {
      await this.deps.bus.send(this.deps.naming.invokerTopic(invokerId), [{ key: activationId, value: encodeActivationMessage(message, this.deps.messageKey) }]);
    } catch (err) {
      waiter?.cancel();
      this.deps.balancer.release(activationId);
      throw err;
    }
    this.deps.logger.debug({ transid: request.transid, activationId, namespace: identity.namespace, action: actionPath, invoker: invokerId }, 'activation sent');
    if (!waiter) return { kind: 'accepted', activationId };
    const record = await waiter.wait(maxWaitMs);
    return record ? { kind: 'completed', activationId, record } : { kind: 'accepted', activationId };
  }
}
