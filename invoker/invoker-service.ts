import { randomBytes } from 'node:crypto';
import { defaultBounds } from '../common/entities/limits';
import { errorResponse, type ActivationRecord } from '../common/entities/activation';
import { systemLogger, type Logger } from '../common/logging/logger';
import type { Naming } from '../common/naming';
import { decodeActivationMessage, type ActivationMessage, type DecodeResult } from '../common/protocol/activation-message';
import { encodeCompletion } from '../common/protocol/completion-message';
import { DEAD_LETTER_TOPIC_OPTIONS, deadLetterEntry, undecodableRecord } from '../common/protocol/undecodable-record';
import type { ActivationStore } from '../common/spi/activation-store';
import type { MessageBus, ReceivedMessage, Subscription } from '../common/spi/message-bus';
import type { SignalBus } from '../common/spi/signal-bus';
import type { ActivationRunner } from './activation-runner';
import { ActivationMessages } from './activation-messages';
import { ActivationRecordBuilder } from './activation-record';
import { ClaimAdmission } from './claim-admission';
import type { InvokerConfig } from './config';
import { HeartbeatPublisher } from './heartbeat-publisher';
import { IntakeQueue } from './intake-queue';
import { emptyStats, type InvokerStats } from './invoker-stats';
import type { ContainerPool } from './pool/container-pool';
import { Abandoned, isAbandoned, storeRetry, type StoreRetry } from './store-retry';

// The invoker's delivery loop (DESIGN.md §3, §7; ADR 0006). The bus handler only decodes and
// enqueues. Workers then: reserve pool capacity → claim the activation id → run → create the
// record → publish the ack → mark the message done (the bus commits up to the low-watermark).
// Each step happens only after the one before it succeeded, so a crash anywhere leaves the
// message uncommitted and it is redelivered; the claim and the create-only record turn that
// redelivery into at most one run in the common case and a marked duplicate otherwise.
// Admission (capacity, then the claim) is claim-admission.ts; heartbeats heartbeat-publisher.ts.

export type InvokerState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface InvokerServiceDeps {
  readonly config: Pick<InvokerConfig, 'invokerId' | 'userMemoryMb' | 'queueCapacity' | 'claimGraceMs' | 'drainMs' | 'messageKey'>;
  readonly naming: Naming;
  readonly bus: MessageBus;
  readonly signals: SignalBus;
  readonly activations: ActivationStore;
  readonly pool: ContainerPool;
  readonly runner: ActivationRunner;
  readonly logger: Logger;
  readonly heartbeatIntervalMs?: number;
  /** This process's life of the invoker id; random unless a test fixes it. */
  readonly incarnation?: string;
  /** Told of each record this invoker created (not of duplicates): metrics, user events. Closed by stop(). */
  readonly observers?: readonly RecordObserver[];
}

export interface RecordObserver {
  /** Called on the activation's path: it must only note the record and return. */
  recorded(record: ActivationRecord): void;
  close?(): Promise<void>;
}

export interface StopOptions {
  /**
   * Let running activations finish (up to the drain time) before abandoning them; true unless the
   * invoker id's lease was lost, when the new holder may already be taking the runs over.
   */
  readonly drain?: boolean;
}

// Topic settings (DESIGN.md §6): room for 1 MB payloads plus the envelope; 48 h to survive a weekend outage.
const INVOKER_TOPIC_CONFIG = { 'max.message.bytes': '2097152', 'retention.ms': String(48 * 3600 * 1000) };

interface Intake {
  readonly received: ReceivedMessage;
  readonly decoded: DecodeResult;
}

export class InvokerService {
  private lifecycle: InvokerState = 'created';
  private subscription: Subscription | undefined;
  private readonly heartbeat: HeartbeatPublisher;
  private readonly intake: IntakeQueue<Intake>;
  private readonly inFlight = new Set<Promise<void>>();
  /** Activations this process is running, so a duplicate delivery can wait for the original. */
  private readonly runningHere = new Map<string, Promise<void>>();
  /** Aborted with Abandoned once stop() gives up on the workers. */
  private readonly abandon = new AbortController();
  private readonly retrying: StoreRetry;
  private readonly admission: ClaimAdmission;
  /** Logs of the consumer loop, which belong to no activation. */
  private readonly intakeLogger: Logger;
  private readonly maxInFlight: number;
  private stopping: Promise<void> | undefined;
  readonly stats: InvokerStats = emptyStats();

  constructor(private readonly deps: InvokerServiceDeps) {
    const { config } = deps;
    this.intake = new IntakeQueue(config.queueCapacity);
    this.intakeLogger = systemLogger(deps.logger, 'intake');
    // Enough workers to fill the pool with the smallest containers; more would only wait on memory.
    this.maxInFlight = Math.max(1, Math.floor(config.userMemoryMb / defaultBounds().memory.min));
    this.retrying = storeRetry({ signal: this.abandon.signal, logger: deps.logger });
    this.admission = new ClaimAdmission({
      invokerId: config.invokerId,
      holder: `${config.invokerId}@${deps.incarnation ?? randomBytes(6).toString('hex')}`,
      claimGraceMs: config.claimGraceMs,
      pool: deps.pool,
      activations: deps.activations,
      stats: this.stats,
      runningHere: this.runningHere,
      isRunning: () => this.lifecycle === 'running',
      retrying: this.retrying,
      signal: this.abandon.signal,
      logger: deps.logger,
    });
    this.heartbeat = new HeartbeatPublisher({
      signals: deps.signals,
      naming: deps.naming,
      invokerId: config.invokerId,
      userMemoryMb: config.userMemoryMb,
      freeMemoryMb: () => deps.pool.availableMemoryMb(),
      gpus: () => deps.pool.gpuStatus(),
      gpuWarm: () => deps.pool.gpuWarm(),
      pool: () => deps.pool.census(),
      consumer: () => this.subscription?.health(),
      logger: deps.logger,
      ...(deps.heartbeatIntervalMs !== undefined ? { intervalMs: deps.heartbeatIntervalMs } : {}),
    });
  }

  /** The activation topic's consumer, once subscribed. */
  consumerHealth(): ReturnType<Subscription['health']> | undefined {
    return this.subscription?.health();
  }

  /** Activations this process holds the claim of and runs now. */
  runningCount(): number {
    return this.runningHere.size;
  }

  /** Messages fetched and waiting for a worker. */
  intakeLength(): number {
    return this.intake.length;
  }

  get state(): InvokerState {
    return this.lifecycle;
  }

  async start(): Promise<void> {
    if (this.lifecycle !== 'created') throw new Error(`invoker cannot start from state '${this.lifecycle}'`);
    this.lifecycle = 'starting';
    const { bus, naming, config } = this.deps;
    try {
      await bus.ensureTopic(naming.invokerTopic(config.invokerId), { partitions: 1, config: INVOKER_TOPIC_CONFIG });
      await bus.ensureTopic(naming.deadLetterTopic(), DEAD_LETTER_TOPIC_OPTIONS);
      await this.deps.pool.start();
      this.subscription = await bus.subscribe({
        topic: naming.invokerTopic(config.invokerId),
        groupId: naming.invokerGroup(config.invokerId),
        onMessage: (message) => this.accept(message),
      });
      // A pause decided before subscribe() resolved had no subscription to act on.
      if (this.intake.isPaused) this.subscription.pause();
    } catch (error) {
      this.lifecycle = 'stopped';
      await this.deps.pool.close().catch(() => undefined);
      throw error;
    }
    this.lifecycle = 'running';
    this.heartbeat.start();
    // Messages may have arrived before subscribe() resolved.
    this.dispatch();
    this.deps.logger.info({ userMemoryMb: config.userMemoryMb }, 'invoker started');
  }

  /**
   * Stops intake, lets running activations finish within the drain time, then closes the pool
   * (destroying containers) and the subscription. Anything not finished by then is left
   * uncommitted and is redelivered.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.stopping ??= this.shutdown(options.drain ?? true);
    return this.stopping;
  }

  private async shutdown(drain: boolean): Promise<void> {
    if (this.lifecycle === 'created' || this.lifecycle === 'stopped') {
      this.lifecycle = 'stopped';
      return;
    }
    this.lifecycle = 'stopping';
    this.subscription?.pause();
    this.heartbeat.stop();
    const dropped = this.intake.clear();
    const drained = await settleWithin([...this.inFlight], drain ? this.deps.config.drainMs : 0);
    if (!drained) this.deps.logger.warn({ running: this.inFlight.size }, 'drain time over: abandoning running activations to redelivery');
    this.abandon.abort(new Abandoned('stop() gave up on the running activations'));
    await this.deps.pool.close();
    await this.subscription?.close();
    await Promise.allSettled((this.deps.observers ?? []).map((observer) => observer.close?.()));
    this.lifecycle = 'stopped';
    this.deps.logger.info({ requeued: dropped.length, stats: this.stats }, 'invoker stopped');
  }

  private accept(received: ReceivedMessage): void {
    if (this.lifecycle !== 'running' && this.lifecycle !== 'starting') return; // not done: redelivered
    this.stats.received += 1;
    if (this.intake.push({ received, decoded: decodeActivationMessage(received.value, this.deps.config.messageKey) }) === 'pause') {
      this.stats.pauses += 1;
      this.subscription?.pause();
      this.intakeLogger.info({ queued: this.intake.length }, 'intake queue full: fetching paused');
    }
    this.dispatch();
  }

  private dispatch(): void {
    if (this.lifecycle !== 'running') return;
    while (this.inFlight.size < this.maxInFlight && this.intake.length > 0) {
      const { item, signal } = this.intake.shift();
      if (signal === 'resume') {
        this.subscription?.resume();
        this.intakeLogger.info({ queued: this.intake.length }, 'intake queue drained: fetching resumed');
      }
      if (!item) break;
      const work: Promise<void> = this.work(item).finally(() => {
        this.inFlight.delete(work);
        this.dispatch();
      });
      this.inFlight.add(work);
    }
  }

  private async work(item: Intake): Promise<void> {
    try {
      if (item.decoded.ok) await this.process(item.received, item.decoded.message);
      else await this.handleUndecodable(item.received, item.decoded);
    } catch (error) {
      if (isAbandoned(error)) return;
      // Only a bug gets here. Left uncommitted, the message would pin the partition's
      // low-watermark for good (nothing after it is ever committed) and come back to the same bug
      // after every restart: it gets a whisk internal error record and is marked done.
      this.intakeLogger.error({ err: error, offset: item.received.offset }, 'invoker worker failed: recording a whisk internal error');
      await this.recordWorkerFailure(item).catch((recordError: unknown) => {
        if (!isAbandoned(recordError)) this.intakeLogger.error({ err: recordError, offset: item.received.offset }, 'the failed activation could not be recorded either');
      });
      this.markDone(item.received);
    }
  }

  private async recordWorkerFailure(item: Intake): Promise<void> {
    if (!item.decoded.ok) return;
    const { message } = item.decoded;
    const record = new ActivationRecordBuilder(message, false, 1, Date.now, this.deps.config.invokerId).failed(errorResponse(3, ActivationMessages.internalError));
    await this.complete(message.controllerId, record);
  }

  private async process(received: ReceivedMessage, message: ActivationMessage): Promise<void> {
    const admission = await this.admission.admit(message);
    if (admission === 'stopping') return;
    if (admission === 'finished-elsewhere') {
      this.markDone(received);
      return;
    }
    let finished!: () => void;
    this.runningHere.set(message.activationId, new Promise<void>((resolve) => (finished = resolve)));
    try {
      if (admission.attempt > 1) {
        this.stats.retries += 1;
        this.deps.logger.warn({ activationId: message.activationId, attempt: admission.attempt }, 'running again after an expired claim');
      }
      const record = await this.deps.runner.run(message, admission.slot, admission.attempt);
      this.throwIfAbandoned();
      await this.complete(message.controllerId, record);
      this.stats.completed += 1;
      this.markDone(received);
    } finally {
      this.runningHere.delete(message.activationId);
      finished();
    }
  }

  /** Record, then ack: the controller may read the store as soon as it sees the ack. */
  private async complete(controllerId: string | undefined, record: ActivationRecord): Promise<void> {
    const outcome = await this.retrying('record create', () => this.deps.activations.create(record));
    let acked = record;
    if (outcome === 'created') for (const observer of this.deps.observers ?? []) observer.recorded(record);
    if (outcome === 'duplicate') {
      this.stats.duplicates += 1;
      this.deps.logger.warn({ activationId: record.activationId }, 'duplicate activation record: the first one stands');
      acked = (await this.retrying('record lookup', () => this.deps.activations.getById(record.activationId))) ?? record;
    }
    if (controllerId === undefined) return;
    try {
      this.deps.signals.publish(this.deps.naming.completionSubject(controllerId), encodeCompletion(record.activationId, this.deps.config.invokerId, acked));
    } catch (error) {
      // The ack is a fast path only: the waiter falls back to the store.
      this.deps.logger.warn({ err: error, activationId: record.activationId }, 'completion ack not published');
    }
  }

  private async handleUndecodable(received: ReceivedMessage, decoded: Extract<DecodeResult, { ok: false }>): Promise<void> {
    this.stats.undecodable += 1;
    const logger = this.deps.logger.child({ transid: decoded.transid, activationId: decoded.activationId });
    if (decoded.activationId) {
      logger.warn({ reason: decoded.reason, offset: received.offset }, 'undecodable activation message: recording a whisk internal error');
      await this.complete(decoded.controllerId, undecodableRecord(decoded.activationId, decoded.reason, received.value, Date.now()));
    } else {
      logger.warn({ reason: decoded.reason, offset: received.offset }, 'activation message without a readable id: dead-lettered');
      await this.retrying('dead-letter send', () => this.deps.bus.send(this.deps.naming.deadLetterTopic(), [deadLetterEntry(received, decoded.reason)]));
      this.stats.deadLettered += 1;
    }
    this.throwIfAbandoned();
    this.markDone(received);
  }

  private markDone(received: ReceivedMessage): void {
    if (this.abandon.signal.aborted) return;
    this.subscription?.done(received);
  }

  private throwIfAbandoned(): void {
    if (this.abandon.signal.aborted) throw new Abandoned('stop() gave up on the running activations');
  }
}

async function settleWithin(work: readonly Promise<void>[], ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const done = Promise.allSettled(work).then(() => true as const);
  const result = await Promise.race([done, timeout]);
  clearTimeout(timer);
  return result;
}
