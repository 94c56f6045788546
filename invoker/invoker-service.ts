import { randomBytes } from 'node:crypto';
import { defaultBounds } from '../common/entities/limits';
import type { ActivationRecord } from '../common/entities/activation';
import type { Logger } from '../common/logging/logger';
import type { Naming } from '../common/naming';
import { decodeActivationMessage, type ActivationMessage, type DecodeResult } from '../common/protocol/activation-message';
import { brandedError, brandGuard } from '../common/protocol/branded-error';
import { encodeCompletion } from '../common/protocol/completion-message';
import { encodeHeartbeat, HEARTBEAT_INTERVAL_MS } from '../common/protocol/heartbeat';
import { deadLetterEntry, undecodableRecord } from '../common/protocol/undecodable-record';
import type { ActivationStore } from '../common/spi/activation-store';
import type { ConsumerHealth, MessageBus, ReceivedMessage, Subscription } from '../common/spi/message-bus';
import type { SignalBus } from '../common/spi/signal-bus';
import { slotRequestFor, type ActivationRunner, type RunnableSlot } from './activation-runner';
import type { InvokerConfig } from './config';
import type { ContainerPool, Slot } from './container-pool';
import { IntakeQueue } from './intake-queue';

// The invoker's delivery loop (DESIGN.md §3, §7; ADR 0006). The bus handler only decodes and
// enqueues. Workers then: reserve pool capacity → claim the activation id → run → create the
// record → publish the ack → mark the message done (the bus commits up to the low-watermark).
// Each step happens only after the one before it succeeded, so a crash anywhere leaves the
// message uncommitted and it is redelivered; the claim and the create-only record turn that
// redelivery into at most one run in the common case and a marked duplicate otherwise.

export type InvokerState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface InvokerServiceDeps {
  readonly config: Pick<InvokerConfig, 'invokerId' | 'userMemoryMb' | 'queueCapacity' | 'claimGraceMs' | 'drainMs'>;
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
}

export interface StopOptions {
  /**
   * Let running activations finish (up to the drain time) before abandoning them; true unless the
   * invoker id's lease was lost, when the new holder may already be taking the runs over.
   */
  readonly drain?: boolean;
}

export interface InvokerStats {
  received: number;
  completed: number;
  /** A record for the id existed already when this invoker wrote its own. */
  duplicates: number;
  /** Deliveries skipped because a live claim was held elsewhere. */
  claimsHeld: number;
  /** Claims of this invoker id's previous life (a crashed process) taken over at once. */
  claimsTakenOver: number;
  /** Runs after an expired claim. */
  retries: number;
  undecodable: number;
  deadLettered: number;
  pauses: number;
}

// Topic settings (DESIGN.md §6): room for 1 MB payloads plus the envelope; 48 h to survive a weekend outage.
const INVOKER_TOPIC_CONFIG = { 'max.message.bytes': '2097152', 'retention.ms': String(48 * 3600 * 1000) };
const DEAD_LETTER_TOPIC_CONFIG = { 'max.message.bytes': '2097152', 'retention.ms': String(7 * 24 * 3600 * 1000) };
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;
const HELD_CLAIM_POLL_MIN_MS = 500;
const HELD_CLAIM_POLL_MAX_MS = 10000;

interface Intake {
  readonly received: ReceivedMessage;
  readonly decoded: DecodeResult;
}

type Admission = { readonly slot: RunnableSlot; readonly attempt: number } | 'finished-elsewhere' | 'stopping';

/** Thrown inside a worker once stop() has given up on it; the worker ends without recording. */
class Abandoned extends brandedError('Abandoned') {}

const isAbandoned = brandGuard(Abandoned);

export class InvokerService {
  private lifecycle: InvokerState = 'created';
  private subscription: Subscription | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly intake: IntakeQueue<Intake>;
  private readonly inFlight = new Set<Promise<void>>();
  /** Activations this process is running, so a duplicate delivery can wait for the original. */
  private readonly runningHere = new Map<string, Promise<void>>();
  private readonly abandon = new AbortController();
  private readonly maxInFlight: number;
  private stopping: Promise<void> | undefined;
  readonly stats: InvokerStats = { received: 0, completed: 0, duplicates: 0, claimsHeld: 0, claimsTakenOver: 0, retries: 0, undecodable: 0, deadLettered: 0, pauses: 0 };

  /**
   * Who claims: the invoker id and this process's life of it. The id is leased to one process at
   * a time, so a live claim of the same id from another life was left by a process that is dead:
   * taking it over at once, rather than after its expiry (2 × timeout + grace), is what lets a
   * restarted invoker finish its predecessor's work in seconds.
   */
  private readonly holder: string;

  constructor(private readonly deps: InvokerServiceDeps) {
    this.holder = `${deps.config.invokerId}@${deps.incarnation ?? randomBytes(6).toString('hex')}`;
    this.intake = new IntakeQueue(deps.config.queueCapacity);
    // Enough workers to fill the pool with the smallest containers; more would only wait on memory.
    this.maxInFlight = Math.max(1, Math.floor(deps.config.userMemoryMb / defaultBounds().memory.min));
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
      await bus.ensureTopic(naming.deadLetterTopic(), { partitions: 1, config: DEAD_LETTER_TOPIC_CONFIG });
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
    this.sendHeartbeat();
    this.heartbeat = setInterval(() => this.sendHeartbeat(), this.deps.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS);
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
    if (this.heartbeat) clearInterval(this.heartbeat);
    const dropped = this.intake.clear();
    const drained = await settleWithin([...this.inFlight], drain ? this.deps.config.drainMs : 0);
    if (!drained) this.deps.logger.warn({ running: this.inFlight.size }, 'drain time over: abandoning running activations to redelivery');
    this.abandon.abort();
    await this.deps.pool.close();
    await this.subscription?.close();
    this.lifecycle = 'stopped';
    this.deps.logger.info({ requeued: dropped.length, stats: this.stats }, 'invoker stopped');
  }

  private accept(received: ReceivedMessage): void {
    if (this.lifecycle !== 'running' && this.lifecycle !== 'starting') return; // not done: redelivered
    this.stats.received += 1;
    if (this.intake.push({ received, decoded: decodeActivationMessage(received.value) }) === 'pause') {
      this.stats.pauses += 1;
      this.subscription?.pause();
      this.deps.logger.info({ queued: this.intake.length }, 'intake queue full: fetching paused');
    }
    this.dispatch();
  }

  private dispatch(): void {
    if (this.lifecycle !== 'running') return;
    while (this.inFlight.size < this.maxInFlight && this.intake.length > 0) {
      const { item, signal } = this.intake.shift();
      if (signal === 'resume') {
        this.subscription?.resume();
        this.deps.logger.info({ queued: this.intake.length }, 'intake queue drained: fetching resumed');
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
      // Only a bug gets here; the message stays uncommitted and comes back after a restart.
      this.deps.logger.error({ err: error, offset: item.received.offset }, 'invoker worker failed');
    }
  }

  private async process(received: ReceivedMessage, message: ActivationMessage): Promise<void> {
    const admission = await this.admit(message);
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

  /**
   * Capacity first, then the claim: a claim taken before a possibly long wait for memory could
   * expire while the activation still waits. A claim held elsewhere is not the end: the holder
   * may have died, so this delivery stays uncommitted until a record exists or the claim
   * expires and can be taken over.
   */
  private async admit(message: ActivationMessage): Promise<Admission> {
    const ttlMs = 2 * message.limits.timeout + this.deps.config.claimGraceMs;
    let pollMs = HELD_CLAIM_POLL_MIN_MS;
    let counted = false;
    for (;;) {
      const slot = await this.deps.pool.reserve(slotRequestFor(message));
      if (slot.kind === 'closed') return 'stopping';
      if (this.lifecycle !== 'running') {
        this.giveBack(slot);
        return 'stopping';
      }
      let claim;
      try {
        claim = await this.retrying('claim', () => this.deps.activations.claim(message.activationId, this.holder, ttlMs));
        if (!claim.granted && this.isPreviousLife(claim.holder)) {
          const superseded = claim.holder;
          claim = await this.retrying('claim takeover', () => this.deps.activations.claim(message.activationId, this.holder, ttlMs, { supersedes: superseded }));
          if (claim.granted) {
            this.stats.claimsTakenOver += 1;
            this.deps.logger.warn({ activationId: message.activationId, superseded }, "took over the claim of this invoker's previous life");
          }
        }
      } catch (error) {
        this.giveBack(slot);
        throw error;
      }
      if (claim.granted) {
        // A redelivery after a crash between record and commit: the outcome is already stored.
        if (claim.attempt > 1 && (await this.recordExists(message.activationId, slot))) return 'finished-elsewhere';
        return { slot, attempt: claim.attempt };
      }
      this.giveBack(slot);
      if (!counted) {
        counted = true;
        this.stats.claimsHeld += 1;
        this.deps.logger.info({ activationId: message.activationId, holder: claim.holder }, 'activation claimed elsewhere: waiting for its record');
      }
      const local = this.runningHere.get(message.activationId);
      if (local) {
        await local;
        return 'finished-elsewhere';
      }
      if (await this.recordExists(message.activationId)) return 'finished-elsewhere';
      if (!(await this.pause(pollMs))) return 'stopping';
      pollMs = Math.min(pollMs * 2, HELD_CLAIM_POLL_MAX_MS);
    }
  }

  private isPreviousLife(holder: string): boolean {
    return holder !== this.holder && holder.startsWith(`${this.deps.config.invokerId}@`);
  }

  /** Whether the activation's record is stored; a slot passed in is given back when it is (or when the lookup is abandoned). */
  private async recordExists(activationId: string, slot?: Slot): Promise<boolean> {
    let exists = true;
    try {
      exists = (await this.retrying('record lookup', () => this.deps.activations.getById(activationId))) !== undefined;
      return exists;
    } finally {
      if (exists && slot) this.giveBack(slot);
    }
  }

  private giveBack(slot: Slot): void {
    if (slot.kind === 'warm' || slot.kind === 'cold') this.deps.pool.release(slot.entryId, slot.kind === 'warm');
  }

  /** Record, then ack: the controller may read the store as soon as it sees the ack. */
  private async complete(controllerId: string | undefined, record: ActivationRecord): Promise<void> {
    const outcome = await this.retrying('record create', () => this.deps.activations.create(record));
    let acked = record;
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

  private sendHeartbeat(): void {
    const consumer: ConsumerHealth = this.subscription?.health() ?? { state: 'starting', lastFetchAt: 0 };
    try {
      this.deps.signals.publish(
        this.deps.naming.healthSubject(),
        encodeHeartbeat({
          v: 1,
          invokerId: this.deps.config.invokerId,
          sentAt: Date.now(),
          userMemoryMb: this.deps.config.userMemoryMb,
          freeMemoryMb: this.deps.pool.availableMemoryMb(),
          consumer,
        }),
      );
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'heartbeat not published');
    }
  }

  /** Retries a store or bus call with capped backoff until it succeeds or stop() gives up on it. */
  private async retrying<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let delay = RETRY_MIN_MS; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
      this.throwIfAbandoned();
      try {
        return await call();
      } catch (error) {
        this.deps.logger.warn({ err: error, retryInMs: delay }, `${what} failed`);
        if (!(await this.pause(delay))) throw new Abandoned();
      }
    }
  }

  /** Sleeps unless stop() abandons the workers first; returns whether it slept the whole time. */
  private pause(ms: number): Promise<boolean> {
    const signal = this.abandon.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private throwIfAbandoned(): void {
    if (this.abandon.signal.aborted) throw new Abandoned();
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
