import type { ActivationRecord } from '../../common/entities/activation';
import { systemLogger, type Logger } from '../../common/logging/logger';
import type { Naming } from '../../common/naming';
import { decodeActivationMessage } from '../../common/protocol/activation-message';
import type { MessageKey } from '../../common/protocol/message-seal';
import { encodeCompletion } from '../../common/protocol/completion-message';
import { deadLetterEntry, undecodableRecord } from '../../common/protocol/undecodable-record';
import type { ActivationStore } from '../../common/spi/activation-store';
import type { LeaderLock } from '../../common/spi/leader-lock';
import type { MessageBus, ReceivedMessage, Subscription } from '../../common/spi/message-bus';
import type { SignalBus } from '../../common/spi/signal-bus';
import type { InvokerRegistry } from './invoker-registry';
import type { LoadBalancer } from './load-balancer';
import { reapedRecord, reapStep, shouldReap } from './reap-decision';

// The reaper of invokers that stay down (DESIGN.md §7). One controller at a time, the holder of
// the leader lease, joins a dead invoker's own consumer group, so it reads from the invoker's
// committed offset exactly what the invoker never finished, and commits as it goes: a message
// with a record is done; one without is re-dispatched to a healthy invoker or failed on record
// (and acked to the controller that waits for it). One that cannot be decoded is failed on record
// when its id can be read, and dead-lettered when not. The dead invoker's claim on what it was
// running makes the new invoker wait for the claim to expire, never run it twice at once.
// When the invoker beats again, the reaper leaves its group and the invoker carries on.

export interface InvokerReaperOptions {
  readonly controllerId: string;
  /** Opens the sealed fields of the messages it reaps (ADR 0014). */
  readonly messageKey: MessageKey;
  readonly bus: MessageBus;
  readonly signals: SignalBus;
  readonly activations: ActivationStore;
  readonly naming: Naming;
  readonly registry: InvokerRegistry;
  readonly balancer: LoadBalancer;
  readonly lock: LeaderLock;
  readonly logger: Logger;
  /** Silence after which an invoker is reaped: longer than any action may run. */
  readonly reapAfterMs: number;
  /** Messages accepted longer ago than this are failed, not re-dispatched. */
  readonly redispatchWindowMs: number;
  readonly tickMs?: number;
  readonly now?: () => number;
}

export interface ReaperStats {
  redispatched: number;
  /** Past the re-dispatch window: recorded as a whisk internal error and acked. */
  failed: number;
  /** A record existed already. */
  finished: number;
  /** Could not be decoded but carried a readable id: recorded as a whisk internal error and acked. */
  undecodable: number;
  /** Could not be decoded and carried no readable id: sent to the dead-letter topic. */
  deadLettered: number;
}

interface Reaping {
  readonly subscription: Promise<Subscription>;
  /** Messages are handled one after another, in offset order. */
  chain: Promise<void>;
  stopped: boolean;
}

const RETRY_MS = 1000;

export class InvokerReaper {
  private readonly reaping = new Map<string, Reaping>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private leader = false;
  private closed = false;
  private readonly tickMs: number;
  private readonly now: () => number;
  private readonly logger: Logger;
  readonly stats: ReaperStats = { redispatched: 0, failed: 0, finished: 0, undecodable: 0, deadLettered: 0 };

  constructor(private readonly options: InvokerReaperOptions) {
    this.tickMs = options.tickMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.logger = systemLogger(options.logger, 'reaper');
  }

  start(): void {
    this.timer = setInterval(() => {
      this.ticking = this.ticking.then(() => this.tick());
    }, this.tickMs);
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await Promise.all([...this.reaping.keys()].map((id) => this.leave(id)));
    if (this.leader) await this.options.lock.release(this.options.controllerId).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    const { lock, registry, controllerId, reapAfterMs } = this.options;
    const logger = this.logger;
    try {
      // Three ticks of lease: a leader that stops renewing hands over within seconds.
      this.leader = await lock.acquire(controllerId, 3 * this.tickMs);
    } catch (error) {
      logger.warn({ err: error }, 'leader lease not renewed');
      this.leader = false;
    }
    const now = this.now();
    const due = new Set<string>();
    if (this.leader) {
      for (const view of registry.invokers()) {
        const heard = registry.lastHeardAt(view.invokerId);
        if (heard !== undefined && shouldReap(view.state, heard, now, reapAfterMs)) due.add(view.invokerId);
      }
    }
    for (const id of this.reaping.keys()) if (!due.has(id)) await this.leave(id);
    for (const id of due) if (!this.reaping.has(id) && !this.closed) this.join(id);
  }

  private join(invokerId: string): void {
    const { bus, naming } = this.options;
    const logger = this.logger;
    logger.warn({ invoker: invokerId }, 'invoker down longer than any action runs: reaping its topic');
    const reaping: Reaping = {
      chain: Promise.resolve(),
      stopped: false,
      subscription: bus.subscribe({
        topic: naming.invokerTopic(invokerId),
        groupId: naming.invokerGroup(invokerId),
        onMessage: (message) => {
          reaping.chain = reaping.chain.then(() => this.reap(invokerId, reaping, message));
        },
      }),
    };
    this.reaping.set(invokerId, reaping);
    reaping.subscription.catch((error: unknown) => {
      logger.warn({ err: error, invoker: invokerId }, 'could not join the invoker group; trying again');
      this.reaping.delete(invokerId);
    });
  }

  private async leave(invokerId: string): Promise<void> {
    const reaping = this.reaping.get(invokerId);
    if (!reaping) return;
    this.reaping.delete(invokerId);
    reaping.stopped = true;
    const subscription = await reaping.subscription.catch(() => undefined);
    subscription?.pause();
    await reaping.chain;
    await subscription?.close();
    this.logger.info({ invoker: invokerId, stats: this.stats }, 'stopped reaping invoker');
  }

  private async reap(invokerId: string, reaping: Reaping, message: ReceivedMessage): Promise<void> {
    const { activations, bus, naming, balancer, redispatchWindowMs } = this.options;
    const logger = this.logger;
    // Anything left uncommitted goes to the next reaper, or back to the invoker.
    while (!reaping.stopped) {
      try {
        const decoded = decodeActivationMessage(message.value, this.options.messageKey);
        if (!decoded.ok && decoded.activationId !== undefined) {
          // Someone may be waiting on that id: fail it on record, as the invoker would have (ADR 0006).
          const record = undecodableRecord(decoded.activationId, decoded.reason, message.value, this.now());
          if ((await activations.create(record)) === 'duplicate') {
            // The invoker (or an earlier reaper) recorded it before its offset was committed.
            this.stats.finished += 1;
          } else {
            this.stats.undecodable += 1;
            if (decoded.controllerId !== undefined) this.ack(decoded.controllerId, invokerId, record);
            logger.warn({ activationId: decoded.activationId, reason: decoded.reason, from: invokerId }, 'reaped undecodable activation message: recorded as a whisk internal error');
          }
        } else if (!decoded.ok) {
          // No id to answer on: set aside where an operator looks, counted, so it cannot block the partition.
          await bus.send(naming.deadLetterTopic(), [deadLetterEntry(message, `reaped: ${decoded.reason}`)]);
          this.stats.deadLettered += 1;
        } else {
          const activation = decoded.message;
          const exists = (await activations.getById(activation.activationId)) !== undefined;
          const step = reapStep(exists, activation.acceptedAt, this.now(), redispatchWindowMs);
          if (step === 'finished') this.stats.finished += 1;
          else if (step === 'redispatch') {
            const target = balancer.choose(activation.user.namespace, `${activation.action.namespace}/${activation.action.name}`, activation.limits.memory, activation.limits.gpu);
            // Counted on the target until its ack reaches this controller or the reservation
            // lapses (the ack goes to the controller in the message), as the dispatcher counts
            // what it sends; reserved before sending, so that a quick ack cannot outrun it.
            balancer.reserve(activation.activationId, target, activation.limits.memory, activation.limits.timeout, activation.limits.gpu);
            try {
              await bus.send(naming.invokerTopic(target), [{ key: activation.activationId, value: message.value, headers: message.headers }]);
            } catch (error) {
              balancer.release(activation.activationId);
              throw error;
            }
            this.stats.redispatched += 1;
            logger.info({ activationId: activation.activationId, from: invokerId, to: target }, 'reaped activation re-dispatched');
          } else {
            const record = reapedRecord(activation, this.now());
            await activations.create(record);
            this.stats.failed += 1;
            this.ack(activation.controllerId, invokerId, record);
            logger.warn({ activationId: activation.activationId, from: invokerId }, 'reaped activation past its deadline: recorded as a whisk internal error');
          }
        }
        const subscription = await reaping.subscription;
        subscription.done(message);
        return;
      } catch (error) {
        // No healthy invoker, or a store or bus failure: the message stays here until it can be settled.
        logger.warn({ err: error, invoker: invokerId, offset: message.offset }, 'reaping a message failed; trying again');
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  private ack(controllerId: string, invokerId: string, record: ActivationRecord): void {
    const { signals, naming } = this.options;
    const logger = this.logger;
    try {
      signals.publish(naming.completionSubject(controllerId), encodeCompletion(record.activationId, invokerId, record));
    } catch (error) {
      // The ack is a fast path only: the waiter falls back to the store.
      logger.warn({ err: error, activationId: record.activationId }, 'ack of a reaped activation not published');
    }
  }
}
