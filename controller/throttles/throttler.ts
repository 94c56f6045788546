import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import type { Logger } from '../../common/logging/logger';
import type { ThrottleStore } from '../../common/spi/throttle-store';
import type { NamespaceLimitsService } from '../identity/namespace-limits-service';

// Per-namespace throttles (DESIGN.md §4, reference §3.4) over a ThrottleStore shared by every
// controller: invocations and trigger fires per minute, and concurrent invocations counted as
// in-flight activation ids. A slot is released when this controller hears the activation
// complete, and otherwise lapses at its deadline (the action's timeout plus a grace), so a lost
// ack or a dead controller cannot keep a namespace throttled.

export const MINUTE_MS = 60_000;
export const DEFAULT_SLOT_GRACE_MS = 30_000;
const SWEEP_INTERVAL_MS = 10_000;

export interface ThrottlerOptions {
  readonly store: ThrottleStore;
  readonly limits: NamespaceLimitsService;
  readonly logger: Logger;
  /** How long past the action's timeout a slot is held when no completion is heard. */
  readonly slotGraceMs?: number;
  readonly now?: () => number;
}

export class Throttler {
  private readonly held = new Map<string, { namespace: string; deadline: number }>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly graceMs: number;

  constructor(private readonly options: ThrottlerOptions) {
    this.now = options.now ?? Date.now;
    this.graceMs = options.slotGraceMs ?? DEFAULT_SLOT_GRACE_MS;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  /** Counts one action invoke against the namespace's invocations per minute; 429 past the limit. */
  async checkInvokeRate(namespace: string): Promise<void> {
    const { invocationsPerMinute } = await this.options.limits.effective(namespace);
    const outcome = await this.options.store.hit(`${namespace}/invokes`, MINUTE_MS, invocationsPerMinute);
    if (!outcome.allowed) throw throttled('namespace-throttled', Messages.throttledRate(outcome.count, invocationsPerMinute));
  }

  /** Counts one trigger fire against the namespace's fires per minute; 429 past the limit. */
  async checkFire(namespace: string): Promise<void> {
    const { firesPerMinute } = await this.options.limits.effective(namespace);
    const outcome = await this.options.store.hit(`${namespace}/fires`, MINUTE_MS, firesPerMinute);
    if (!outcome.allowed) throw throttled('namespace-fires-throttled', Messages.throttledRate(outcome.count, firesPerMinute));
  }

  /** Takes a concurrency slot for an activation about to be dispatched; 429 when the namespace has none free. */
  async acquire(namespace: string, activationId: string, actionTimeoutMs: number): Promise<void> {
    const { concurrentInvocations } = await this.options.limits.effective(namespace);
    const deadline = this.now() + actionTimeoutMs + this.graceMs;
    const outcome = await this.options.store.acquire(namespace, activationId, deadline, concurrentInvocations);
    if (!outcome.allowed) throw throttled('namespace-concurrency-throttled', Messages.throttledConcurrent(outcome.count, concurrentInvocations));
    this.held.set(activationId, { namespace, deadline });
  }

  /** How many activations the namespace may run at once (a map runs no more items at a time). */
  async concurrencyLimit(namespace: string): Promise<number> {
    return (await this.options.limits.effective(namespace)).concurrentInvocations;
  }

  /** Frees the slot of a completed (or never dispatched) activation; unknown ids are ignored. */
  release(activationId: string): void {
    const slot = this.held.get(activationId);
    if (!slot) return;
    this.held.delete(activationId);
    this.options.store.release(slot.namespace, activationId).catch((err: unknown) => {
      // The slot lapses at its deadline anyway.
      this.options.logger.warn({ err, activationId, namespace: slot.namespace }, 'could not release a concurrency slot');
    });
  }

  /** Slots this controller still tracks (for tests and diagnostics). */
  get heldSlots(): number {
    return this.held.size;
  }

  private sweep(): void {
    const now = this.now();
    // The store forgets these by itself at their deadline; only the local index needs pruning.
    for (const [id, slot] of this.held) if (slot.deadline <= now) this.held.delete(id);
  }
}

function throttled(code: 'namespace-throttled' | 'namespace-fires-throttled' | 'namespace-concurrency-throttled', message: string): PlatformError {
  return new PlatformError(code, message);
}
