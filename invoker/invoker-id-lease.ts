import { sleep } from '../common/retry/retry';
import type { LeaderLock } from '../common/spi/leader-lock';

// Invoker ids leased from a fixed pool `invoker0` … `invokerN-1` (DESIGN.md §7): the id names the
// invoker's topic and consumer group, so two live processes must never share one. The lease is
// renewed with the heartbeat; a process that loses it (paused past its ttl, another process now
// holds the id) must stop consuming at once, because the id's work is someone else's now.

export function poolInvokerIds(size: number): string[] {
  return Array.from({ length: size }, (_, i) => `invoker${i}`);
}

export interface InvokerIdLeaseOptions {
  /** The lock that guards one id (a Redis key per id; one memory location per id in a single process). */
  readonly lockFor: (invokerId: string) => LeaderLock;
  /** This process, unique across restarts: a restarted invoker must not inherit its dead self's lease. */
  readonly holder: string;
  readonly ttlMs: number;
  readonly now?: () => number;
}

export class InvokerIdLease {
  private renewedAt: number;
  private readonly now: () => number;

  private constructor(
    readonly invokerId: string,
    private readonly lock: LeaderLock,
    private readonly options: InvokerIdLeaseOptions,
    askedAt?: number,
  ) {
    this.now = options.now ?? Date.now;
    this.renewedAt = askedAt ?? this.now();
  }

  /** The first id of `ids` nobody holds, leased to this process; undefined when every one is held. */
  static async takeFirstFree(ids: readonly string[], options: InvokerIdLeaseOptions): Promise<InvokerIdLease | undefined> {
    for (const id of ids) {
      const lease = await InvokerIdLease.take(id, options);
      if (lease) return lease;
    }
    return undefined;
  }

  /** `invokerId` leased to this process, or undefined while another process holds it. */
  static async take(invokerId: string, options: InvokerIdLeaseOptions): Promise<InvokerIdLease | undefined> {
    const lock = options.lockFor(invokerId);
    const asked = (options.now ?? Date.now)();
    try {
      if (await lock.acquire(options.holder, options.ttlMs)) return new InvokerIdLease(invokerId, lock, options, asked);
    } catch (error) {
      await lock.close();
      throw error;
    }
    await lock.close();
    return undefined;
  }

  /**
   * Extends the lease; false once it is lost: another process holds the id, or no renewal has
   * succeeded for a whole ttl (the lease has lapsed, whoever takes it next). A failed renewal
   * within the ttl is not a loss: the lease still stands.
   */
  async renew(): Promise<boolean> {
    // The store set the new expiry at some moment after this one: counting from the call's start
    // never believes the lease lasts longer than it does.
    const asked = this.now();
    try {
      if (!(await this.lock.acquire(this.options.holder, this.options.ttlMs))) return false;
      this.renewedAt = Math.max(this.renewedAt, asked);
      return true;
    } catch (error) {
      if (this.now() - this.renewedAt >= this.options.ttlMs) return false;
      throw error;
    }
  }

  /**
   * How long the lease surely still stands, from the start of the last renewal that succeeded. A
   * watchdog reads it on its own timer: a renewal that hangs (a stalled store connection) never
   * answers, so only the clock can say the lease is running out.
   */
  remainingMs(): number {
    return this.renewedAt + this.options.ttlMs - this.now();
  }

  async release(): Promise<void> {
    try {
      await this.lock.release(this.options.holder);
    } finally {
      await this.lock.close();
    }
  }
}

export interface IdLeaseSettings {
  readonly fromPool: boolean;
  readonly poolSize: number;
  readonly ttlMs: number;
}

/**
 * The lease an invoker starts under: the first free id of the pool, or the id it was given, which
 * it waits for up to twice the ttl (a restarted invoker's dead self holds it until its lease lapses).
 * Throws when there is none to be had.
 */
export async function acquireInvokerId(settings: IdLeaseSettings, requestedId: string, options: Omit<InvokerIdLeaseOptions, 'ttlMs'>, retryMs = 250): Promise<InvokerIdLease> {
  const leaseOptions = { ...options, ttlMs: settings.ttlMs };
  if (settings.fromPool) {
    const lease = await InvokerIdLease.takeFirstFree(poolInvokerIds(settings.poolSize), leaseOptions);
    if (!lease) throw new Error(`every invoker id of the pool (invoker0 … invoker${settings.poolSize - 1}) is leased to a live invoker; raise WISP_INVOKER_POOL_SIZE to run more`);
    return lease;
  }
  const now = options.now ?? Date.now;
  const deadline = now() + 2 * settings.ttlMs;
  for (;;) {
    const lease = await InvokerIdLease.take(requestedId, leaseOptions);
    if (lease) return lease;
    if (now() >= deadline) throw new Error(`invoker id '${requestedId}' is leased to another live invoker`);
    await sleep(retryMs);
  }
}
