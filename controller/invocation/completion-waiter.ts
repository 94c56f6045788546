import type { ActivationRecord } from '../../common/entities/activation';
import { systemLogger, type Logger } from '../../common/logging/logger';
import type { Naming } from '../../common/naming';
import { decodeCompletion } from '../../common/protocol/completion-message';
import type { ActivationStore } from '../../common/spi/activation-store';
import type { SignalBus, SignalSubscription } from '../../common/spi/signal-bus';

// Blocking invokes wait here. A waiter is registered BEFORE the activation message is sent, so
// an ack can never arrive unobserved. Acks over the signal bus are the fast path only: an
// id-only ack, a signal-bus reconnect, or the action's own timeout passing all send the waiter
// to the activation store, which is the source of truth (DESIGN.md §3 step 5).

export interface Waiter {
  readonly activationId: string;
  /** Resolves with the record, or undefined when `maxWaitMs` passed first. */
  wait(maxWaitMs: number): Promise<ActivationRecord | undefined>;
  cancel(): void;
}

interface Pending {
  resolve(record: ActivationRecord): void;
  settled: boolean;
  pollAfter: number;
}

export interface CompletionWaiterOptions {
  readonly controllerId: string;
  readonly signals: SignalBus;
  readonly activations: ActivationStore;
  readonly naming: Naming;
  readonly logger: Logger;
  /** How often overdue waiters look in the store. */
  readonly pollIntervalMs?: number;
}

export class CompletionWaiter {
  private readonly pending = new Map<string, Pending>();
  private subscription: SignalSubscription | undefined;
  private poller: NodeJS.Timeout | undefined;
  private readonly pollIntervalMs: number;
  private readonly completionListeners: Array<(activationId: string) => void> = [];
  /** Store lookups (the poller's, and those an id-only ack or a reconnect starts) are nobody's request. */
  private readonly pollLogger: Logger;

  constructor(private readonly options: CompletionWaiterOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1500;
    this.pollLogger = systemLogger(options.logger, 'completionPoller');
  }

  async start(): Promise<void> {
    const { signals, naming, controllerId } = this.options;
    this.subscription = await signals.subscribe(naming.completionSubject(controllerId), (payload) => this.onAck(payload));
    signals.onReconnect(() => {
      for (const id of this.pending.keys()) void this.lookUp(id);
    });
    this.poller = setInterval(() => this.pollOverdue(), this.pollIntervalMs);
    this.poller.unref();
  }

  async stop(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    await this.subscription?.close();
  }

  /** Every ack this controller receives, blocking or not (used to release load-balancer reservations). */
  onCompletion(listener: (activationId: string) => void): void {
    this.completionListeners.push(listener);
  }

  /** `actionTimeoutMs` is when the store becomes worth polling even without an ack. */
  register(activationId: string, actionTimeoutMs: number): Waiter {
    let resolveRecord!: (record: ActivationRecord) => void;
    const done = new Promise<ActivationRecord>((resolve) => (resolveRecord = resolve));
    const entry: Pending = {
      settled: false,
      pollAfter: Date.now() + actionTimeoutMs,
      resolve: (record) => {
        if (entry.settled) return;
        entry.settled = true;
        this.pending.delete(activationId);
        resolveRecord(record);
      },
    };
    this.pending.set(activationId, entry);
    return {
      activationId,
      wait: (maxWaitMs) =>
        new Promise<ActivationRecord | undefined>((resolve) => {
          const timer = setTimeout(() => {
            this.pending.delete(activationId);
            entry.settled = true;
            resolve(undefined);
          }, maxWaitMs);
          void done.then((record) => {
            clearTimeout(timer);
            resolve(record);
          });
        }),
      cancel: () => {
        entry.settled = true;
        this.pending.delete(activationId);
      },
    };
  }

  private onAck(payload: Buffer): void {
    const ack = decodeCompletion(payload);
    if (!ack) {
      this.options.logger.warn('undecodable completion ack ignored');
      return;
    }
    for (const listener of this.completionListeners) listener(ack.activationId);
    const entry = this.pending.get(ack.activationId);
    if (!entry) return;
    if (ack.record) entry.resolve(ack.record);
    else void this.lookUp(ack.activationId);
  }

  private pollOverdue(): void {
    const now = Date.now();
    for (const [id, entry] of this.pending) if (entry.pollAfter <= now) void this.lookUp(id);
  }

  private async lookUp(activationId: string): Promise<void> {
    try {
      const record = await this.options.activations.getById(activationId);
      if (record) this.pending.get(activationId)?.resolve(record);
    } catch (err) {
      this.pollLogger.warn({ err, activationId }, 'activation lookup failed; will retry');
    }
  }
}
