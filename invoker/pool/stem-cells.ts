import type { ContainerRuntime, RuntimeFamily } from '../../common/entities/action';
import type { Logger } from '../../common/logging/logger';
import type { ContainerFactory, ContainerSpec } from '../../common/spi/container-factory';
import type { PoolState } from './container-pool-state';
import { destroyWarm, warmContainer, type WarmContainer } from './warm-container';

// Stem cells (prewarmed containers): per configured runtime family, `count` containers are
// created ahead of need at one memory size and kept uninitialised, so a cold start of that
// family and memory skips the container's creation. Taking one (or losing one to eviction)
// refills in the background as far as free memory allows, never evicting anything for it;
// a failing creation (a missing image, say) waits before it is tried again rather than spin.

export interface PrewarmConfig {
  readonly family: RuntimeFamily;
  readonly count: number;
  readonly memoryMb: number;
  /** A fresh spec (unique name) for each stem cell. */
  readonly spec: () => ContainerSpec;
}

/** The stem cells to keep, and what they need of the pool that holds them. */
export interface StemCellOptions {
  readonly prewarm: readonly PrewarmConfig[];
  /** Wait after a failed stem cell creation before trying again. */
  readonly retryMs?: number;
  readonly state: PoolState;
  readonly factory: ContainerFactory;
  readonly logger: Logger;
  readonly now: () => number;
  isRunning(): boolean;
  /** A stem cell is ready: the pool holds its container from now on and may hand it out. */
  adopt(entryId: string, warm: WarmContainer): void;
  /** A creation failed and its memory is free again: admit whatever waits for it. */
  pump(): void;
  /** Work close() must wait for. */
  track(work: Promise<void>): void;
}

const DEFAULT_RETRY_MS = 5000;

export class StemCells {
  /** The family of each ready stem cell's container, checked when it is handed over. */
  private readonly families = new Map<string, RuntimeFamily>();
  private readonly blockedUntil = new Map<RuntimeFamily, number>();
  private retryTimer: NodeJS.Timeout | undefined;

  private readonly retryMs: number;

  constructor(private readonly options: StemCellOptions) {
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  }

  /** The state's key for the stem cells that may serve a cold start of this family and memory, if any. */
  keyFor(family: ContainerRuntime | undefined, memoryMb: number): string | undefined {
    const prewarm = this.options.prewarm.find((p) => p.family === family && p.memoryMb === memoryMb && p.count > 0);
    return prewarm ? stemKey(prewarm) : undefined;
  }

  /** The family of the stem cell behind `entryId`, which is a stem cell no more; undefined if it was none. */
  take(entryId: string): RuntimeFamily | undefined {
    const family = this.families.get(entryId);
    this.families.delete(entryId);
    return family;
  }

  forget(entryId: string): void {
    this.families.delete(entryId);
  }

  /** Starts creating the stem cells missing, as far as free memory allows. */
  refill(): void {
    if (!this.options.isRunning()) return;
    const now = this.options.now();
    for (const prewarm of this.options.prewarm) {
      if ((this.blockedUntil.get(prewarm.family) ?? 0) > now) continue;
      while (this.options.state.stemCount(stemKey(prewarm)) < prewarm.count) {
        const entryId = this.options.state.addStem(stemKey(prewarm), prewarm.memoryMb, now);
        if (entryId === undefined) break;
        this.options.track(this.create(entryId, prewarm));
      }
    }
  }

  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private async create(entryId: string, prewarm: PrewarmConfig): Promise<void> {
    const host = this.options;
    let warm: WarmContainer;
    try {
      warm = warmContainer(await host.factory.create(prewarm.spec()));
    } catch (error) {
      host.logger.warn({ err: error, family: prewarm.family }, 'stem cell creation failed');
      host.state.release(entryId, false, host.now());
      host.pump();
      this.block(prewarm.family);
      return;
    }
    if (!host.isRunning() || !host.state.stemReady(entryId, host.now())) {
      await destroyWarm(warm, host.logger);
      return;
    }
    this.families.set(entryId, prewarm.family);
    host.adopt(entryId, warm);
  }

  private block(family: RuntimeFamily): void {
    this.blockedUntil.set(family, this.options.now() + this.retryMs);
    if (this.retryTimer || !this.options.isRunning()) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.refill();
    }, this.retryMs);
    this.retryTimer.unref();
  }
}

function stemKey(prewarm: PrewarmConfig): string {
  return `${prewarm.family}:${prewarm.memoryMb}`;
}
