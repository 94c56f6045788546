import type { Logger } from '../common/logging/logger';
import type { ActivationMessage } from '../common/protocol/activation-message';
import { sleep } from '../common/retry/retry';
import type { ActivationStore, ClaimOutcome } from '../common/spi/activation-store';
import { slotRequestFor, type RunnableSlot } from './activation-runner';
import type { InvokerStats } from './invoker-stats';
import type { ContainerPool, Slot } from './pool/container-pool';
import type { StoreRetry } from './store-retry';

// Admission of one delivered activation: capacity first, then the claim. A claim taken before a
// possibly long wait for memory could expire while the activation still waits. A claim held
// elsewhere is not the end: the holder may have died, so the delivery stays uncommitted until a
// record exists or the claim expires and can be taken over.

export type Admission = { readonly slot: RunnableSlot; readonly attempt: number } | 'finished-elsewhere' | 'stopping';

export interface ClaimAdmissionOptions {
  readonly invokerId: string;
  /**
   * Who claims: the invoker id and this process's life of it. The id is leased to one process at
   * a time, so a live claim of the same id from another life was left by a process that is dead:
   * taking it over at once, rather than after its expiry (2 × timeout + grace), is what lets a
   * restarted invoker finish its predecessor's work in seconds.
   */
  readonly holder: string;
  readonly claimGraceMs: number;
  readonly pool: ContainerPool;
  readonly activations: ActivationStore;
  readonly stats: InvokerStats;
  /** Activations this process is running, so a duplicate delivery can wait for the original. */
  readonly runningHere: ReadonlyMap<string, Promise<void>>;
  readonly isRunning: () => boolean;
  readonly retrying: StoreRetry;
  /** Aborted once stop() gives up on the workers: a wait for a held claim ends with 'stopping'. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

const HELD_CLAIM_POLL_MIN_MS = 500;
const HELD_CLAIM_POLL_MAX_MS = 10000;

export class ClaimAdmission {
  constructor(private readonly options: ClaimAdmissionOptions) {}

  async admit(message: ActivationMessage): Promise<Admission> {
    const { pool, stats, logger } = this.options;
    let pollMs = HELD_CLAIM_POLL_MIN_MS;
    let counted = false;
    for (;;) {
      const slot = await pool.reserve(slotRequestFor(message));
      if (slot.kind === 'closed') return 'stopping';
      if (!this.options.isRunning()) {
        this.giveBack(slot);
        return 'stopping';
      }
      let claim;
      try {
        claim = await this.claim(message);
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
        stats.claimsHeld += 1;
        logger.info({ activationId: message.activationId, holder: claim.holder }, 'activation claimed elsewhere: waiting for its record');
      }
      const local = this.options.runningHere.get(message.activationId);
      if (local) {
        await local;
        return 'finished-elsewhere';
      }
      if (await this.recordExists(message.activationId)) return 'finished-elsewhere';
      try {
        await sleep(pollMs, this.options.signal);
      } catch {
        return 'stopping';
      }
      pollMs = Math.min(pollMs * 2, HELD_CLAIM_POLL_MAX_MS);
    }
  }

  /** The claim, taken over at once when the holder is this invoker id's previous life. */
  private async claim(message: ActivationMessage): Promise<ClaimOutcome> {
    const { activations, holder, retrying } = this.options;
    const ttlMs = 2 * message.limits.timeout + this.options.claimGraceMs;
    const claim = await retrying('claim', () => activations.claim(message.activationId, holder, ttlMs));
    if (claim.granted || !this.isPreviousLife(claim.holder)) return claim;
    const superseded = claim.holder;
    const takeover = await retrying('claim takeover', () => activations.claim(message.activationId, holder, ttlMs, { supersedes: superseded }));
    if (takeover.granted) {
      this.options.stats.claimsTakenOver += 1;
      this.options.logger.warn({ activationId: message.activationId, superseded }, "took over the claim of this invoker's previous life");
    }
    return takeover;
  }

  private isPreviousLife(holder: string): boolean {
    return holder !== this.options.holder && holder.startsWith(`${this.options.invokerId}@`);
  }

  /** Whether the activation's record is stored; a slot passed in is given back when it is (or when the lookup is abandoned). */
  private async recordExists(activationId: string, slot?: Slot): Promise<boolean> {
    let exists = true;
    try {
      exists = (await this.options.retrying('record lookup', () => this.options.activations.getById(activationId))) !== undefined;
      return exists;
    } finally {
      if (exists && slot) this.giveBack(slot);
    }
  }

  private giveBack(slot: Slot): void {
    if (slot.kind === 'warm' || slot.kind === 'cold') this.options.pool.release(slot.entryId, slot.kind === 'warm');
  }
}
