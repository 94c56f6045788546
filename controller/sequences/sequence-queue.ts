import { errorResponse, type ActivationRecord } from '../../common/entities/activation';
import { Messages } from '../../common/errors/messages';
import { newActivationId } from '../../common/ids';
import type { Logger } from '../../common/logging/logger';
import type { Naming } from '../../common/naming';
import { encodeIdOnlyCompletion } from '../../common/protocol/completion-message';
import type { MessageKey } from '../../common/protocol/message-seal';
import { DEAD_LETTER_TOPIC_OPTIONS, deadLetterEntry, undecodableRecord } from '../../common/protocol/undecodable-record';
import { retry } from '../../common/retry/retry';
import type { ActivationStore } from '../../common/spi/activation-store';
import type { MessageBus, ReceivedMessage, Subscription } from '../../common/spi/message-bus';
import type { SignalBus } from '../../common/spi/signal-bus';
import type { CompletionWaiter } from '../invocation/completion-waiter';
import type { InvokeOutcome, InvokeRequest, SequenceInvoker } from '../invocation/dispatcher';
import { SEQUENCE_JOB_VERSION, decodeSequenceJob, encodeSequenceJob, sequenceJobAction, sequenceJobIdentity, type SequenceJob, type SequenceJobDecodeResult } from './sequence-job';
import type { SequenceRun, SequenceRunner } from './sequence-runner';

// Topmost sequences are jobs on the sequence topic from acceptance until their record is stored
// (ADR 0016). Every controller consumes the topic in one group: a controller that dies leaves its
// jobs uncommitted, and the group hands them to another member once its session lapses (or, in
// standalone, the durable embedded bus hands them to the restarted process). A job is marked done
// only once its record is stored and acked to the controller that accepted it, which wakes a
// blocking waiter there and frees the sequence's throttle slot.

export interface SequenceQueueDeps {
  readonly controllerId: string;
  readonly messageKey: MessageKey;
  readonly bus: MessageBus;
  readonly signals: SignalBus;
  readonly naming: Naming;
  readonly activations: ActivationStore;
  readonly waiter: CompletionWaiter;
  readonly runner: SequenceRunner;
  readonly logger: Logger;
  /** A job accepted longer ago than this is recorded as failed rather than started (or replayed). */
  readonly replayWindowMs: number;
  /** Resolves when there is an invoker to run steps on (a restarted standalone starts its invoker after its controller). */
  readonly invokersReady?: () => Promise<void>;
  readonly now?: () => number;
}

/** More than the controllers one deployment runs: each member of the group gets some. */
export const SEQUENCE_TOPIC_PARTITIONS = 8;
const SEQUENCE_TOPIC_CONFIG = { 'max.message.bytes': '2097152', 'retention.ms': String(48 * 3600 * 1000) };

export class SequenceQueue implements SequenceInvoker {
  private subscription: Promise<Subscription> | undefined;
  /** Jobs running here, by sequence id: a redelivery (after a rebalance) waits for the run under way. */
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private readonly stopped = new AbortController();
  private readonly now: () => number;

  constructor(private readonly deps: SequenceQueueDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Makes the topics (a job can be sent once this resolves), then joins the controllers' group in
   * the background, trying again until it is in: the HTTP port need not wait for a rebalance,
   * and jobs accepted meanwhile wait on the bus.
   */
  async start(): Promise<void> {
    const { bus, naming, logger } = this.deps;
    await bus.ensureTopic(naming.sequenceTopic(), { partitions: SEQUENCE_TOPIC_PARTITIONS, config: SEQUENCE_TOPIC_CONFIG });
    await bus.ensureTopic(naming.deadLetterTopic(), DEAD_LETTER_TOPIC_OPTIONS);
    // A message can arrive before subscribe() resolves: its done() waits for the subscription.
    this.subscription = retry(() => bus.subscribe({ topic: naming.sequenceTopic(), groupId: naming.sequenceGroup(), onMessage: (message) => this.accept(message) }), {
      attempts: Infinity,
      minDelayMs: 500,
      maxDelayMs: 10_000,
      signal: this.stopped.signal,
      retryIf: () => true,
      onRetry: (err) => logger.warn({ err }, 'could not join the sequence consumers; trying again'),
    });
    this.subscription.catch(() => undefined);
  }

  /** Resolves once this controller consumes the sequence topic (tests, and a caller that must know). */
  async joined(): Promise<void> {
    await this.subscription;
  }

  /** No job starts or goes on; unfinished ones stay uncommitted, for another member or the next life to run. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped.abort(new Error('sequence queue stopped'));
    await this.deps.runner.stop(graceMs);
    const subscription = await this.subscription?.catch(() => undefined);
    await subscription?.close();
  }

  /** Same contract as Dispatcher.invoke; answers only once the bus holds the job. */
  async invoke(request: InvokeRequest, blocking: boolean, maxWaitMs = 0): Promise<InvokeOutcome> {
    const activationId = request.activationId ?? newActivationId();
    const acceptedAt = this.now();
    const { identity, action } = request;
    const job: SequenceJob = {
      v: SEQUENCE_JOB_VERSION,
      activationId,
      transid: request.transid,
      controllerId: this.deps.controllerId,
      action: { namespace: request.actionNamespace, name: request.actionName, revision: action.revision },
      user: { subject: identity.subject, namespace: identity.namespace, uuid: identity.uuid, authKey: identity.authKey },
      doc: action.doc,
      payload: request.payload,
      blocking,
      acceptedAt,
      deadline: acceptedAt + this.deps.replayWindowMs,
      ...(request.cause ? { cause: request.cause } : {}),
      ...(request.causedBy === 'trigger' ? { causedBy: 'trigger' as const } : {}),
      ...(request.trigger ? { trigger: request.trigger } : {}),
      ...(request.binding ? { binding: request.binding } : {}),
    };
    // The waiter exists before the job does, so the ack cannot outrun it.
    const waiter = blocking ? this.deps.waiter.register(activationId, action.doc.limits.timeout) : undefined;
    try {
      await this.deps.bus.send(this.deps.naming.sequenceTopic(), [{ key: activationId, value: encodeSequenceJob(job, this.deps.messageKey) }]);
    } catch (error) {
      waiter?.cancel();
      throw error;
    }
    if (!waiter) return { kind: 'accepted', activationId };
    const record = await waiter.wait(maxWaitMs);
    return record ? { kind: 'completed', activationId, record } : { kind: 'accepted', activationId };
  }

  private accept(received: ReceivedMessage): void {
    const decoded = decodeSequenceJob(received.value, this.deps.messageKey);
    const id = decoded.ok ? decoded.job.activationId : undefined;
    const running = id ? this.inFlight.get(id) : undefined;
    let work: Promise<boolean>;
    if (running) work = running;
    else if (decoded.ok) work = this.runJob(decoded.job);
    else work = this.settleUndecodable(received, decoded);
    if (id && !running) {
      this.inFlight.set(id, work);
      void work.finally(() => this.inFlight.delete(id)).catch(() => undefined);
    }
    void work.then(
      async (finished) => {
        if (finished) (await this.subscription)?.done(received);
      },
      (error: unknown) => this.deps.logger.error({ err: error, activationId: id }, 'sequence job failed unexpectedly; left for a replay'),
    );
  }

  /** True once the job's record is stored and acked; false when stopping left it for a replay. */
  private async runJob(job: SequenceJob): Promise<boolean> {
    const log = this.deps.logger.child({ transid: job.transid, activationId: job.activationId, namespace: job.user.namespace, action: `${job.action.namespace}/${job.action.name}` });
    await this.deps.invokersReady?.();
    const run: SequenceRun = {
      identity: sequenceJobIdentity(job),
      action: sequenceJobAction(job),
      actionNamespace: job.action.namespace,
      actionName: job.action.name,
      payload: job.payload,
      transid: job.transid,
      activationId: job.activationId,
      ...(job.cause ? { cause: job.cause } : {}),
      ...(job.trigger ? { trigger: job.trigger } : {}),
      ...(job.binding ? { binding: job.binding } : {}),
    };
    let record: ActivationRecord | undefined;
    if (this.now() > job.deadline) {
      log.warn({ acceptedAt: job.acceptedAt }, 'sequence job past its deadline: recorded as failed');
      record = await this.deps.runner.record(run, job.acceptedAt, errorResponse(3, Messages.sequenceExpired(this.deps.replayWindowMs)));
    } else {
      record = await this.deps.runner.run(run, job.acceptedAt);
    }
    if (!record) return false;
    this.ack(job.controllerId, job.activationId);
    return true;
  }

  /** A record for a job whose id can be read (so a waiter on it gets an answer), a dead letter otherwise; never lost. */
  private async settleUndecodable(received: ReceivedMessage, decoded: Extract<SequenceJobDecodeResult, { ok: false }>): Promise<boolean> {
    const { activationId, controllerId, reason } = decoded;
    this.deps.logger.error({ activationId, transid: decoded.transid, reason, partition: received.partition, offset: received.offset }, 'undecodable sequence job');
    try {
      await retry(
        async () => {
          if (activationId) await this.deps.activations.create(undecodableRecord(activationId, reason, received.value, this.now(), Messages.undecodableSequence));
          else await this.deps.bus.send(this.deps.naming.deadLetterTopic(), [deadLetterEntry(received, reason)]);
        },
        { attempts: Infinity, minDelayMs: 500, maxDelayMs: 10_000, signal: this.stopped.signal, retryIf: () => true, onRetry: (err) => this.deps.logger.warn({ err, activationId }, 'undecodable sequence job not settled yet; trying again') },
      );
    } catch {
      return false;
    }
    if (activationId && controllerId) this.ack(controllerId, activationId);
    return true;
  }

  private ack(controllerId: string, activationId: string): void {
    // Id only: the accepting controller reads the record, with its component ids, from the store.
    this.deps.signals.publish(this.deps.naming.completionSubject(controllerId), encodeIdOnlyCompletion(activationId, this.deps.controllerId));
  }
}
