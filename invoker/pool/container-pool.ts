import type { ContainerRuntime, RuntimeFamily } from '../../common/entities/action';
import type { Logger } from '../../common/logging/logger';
import type { Container, ContainerFactory, ContainerFactoryCapabilities, ContainerSpec } from '../../common/spi/container-factory';
import { createActionClient, type ActionClient } from '../action-client';
import { PoolState, type Admission, type PoolRequest } from './container-pool-state';

// The I/O side of the container pool: carries out PoolState's decisions with the
// ContainerFactory. An activation reserves a slot (waiting, FIFO, while memory is full), then
// either gets a warm container or creates one in its reserved memory, and finally releases it:
// back to the pool when it served well, destroyed when it failed (never reused). A reservation
// that joined a container of its key being started (concurrency > 1) stays pending until that
// container's /init succeeded and then gets it as a warm slot, so it never sends /init itself;
// should that start fail, it is queued again and answered like any queued reservation.
//
// Stem cells: per configured runtime family, `count` containers are created ahead of need at
// one memory size and kept uninitialised; a cold slot of that family and memory gets one, and
// `create` then hands it over instead of creating. Taking one (or losing one to eviction)
// refills in the background, never evicting anything for it.

export interface WarmContainer {
  readonly container: Container;
  readonly client: ActionClient;
}

export type Slot =
  | { readonly kind: 'warm'; readonly entryId: string; readonly warm: WarmContainer }
  /** Memory is reserved; the caller creates the container with `create`. */
  | { readonly kind: 'cold'; readonly entryId: string }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'closed' };

export type CreateResult =
  /** `prewarmed`: a stem cell was handed over, nothing was created. */
  | { readonly ok: true; readonly warm: WarmContainer; readonly prewarmed: boolean }
  | { readonly ok: false; readonly error: unknown };

export interface SlotRequest {
  /** (invoking namespace, fully qualified action, revision), encoded by the caller. */
  readonly key: string;
  readonly memoryMb: number;
  /** The runtime family the message names; a stem cell of it may serve a cold start. */
  readonly family?: ContainerRuntime;
  /** Activations one container of this key may run at once (intra-container concurrency); 1 by default. */
  readonly maxConcurrent?: number;
}

export interface PrewarmConfig {
  readonly family: RuntimeFamily;
  readonly count: number;
  readonly memoryMb: number;
  /** A fresh spec (unique name) for each stem cell. */
  readonly spec: () => ContainerSpec;
}

export interface ContainerPoolOptions {
  readonly factory: ContainerFactory;
  readonly userMemoryMb: number;
  readonly idleContainerMs: number;
  /** An idle warm container is paused after this long (when the factory can pause); undefined: never. */
  readonly pauseGraceMs?: number;
  readonly prewarm?: readonly PrewarmConfig[];
  /** Wait after a failed stem cell creation before trying again. */
  readonly prewarmRetryMs?: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

const DEFAULT_PREWARM_RETRY_MS = 5000;

type Settle = (slot: Slot | Promise<Slot>) => void;

/** A reservation not answered yet, with the request the state knows it by. */
interface Waiter {
  readonly request: PoolRequest;
  readonly resolve: Settle;
}

export class ContainerPool {
  private readonly state: PoolState;
  private readonly containers = new Map<string, WarmContainer>();
  private readonly waiters = new Map<string, Waiter>();
  /** Destructions and stem cell creations still running; close() waits for them. */
  private readonly background = new Set<Promise<void>>();
  /** The family of each ready stem cell's container, checked when it is handed over. */
  private readonly stemFamilies = new Map<string, RuntimeFamily>();
  /** Idle containers waiting out the pause grace. */
  private readonly pauseTimers = new Map<string, NodeJS.Timeout>();
  /** Containers paused (or being paused): whether the pause succeeded. */
  private readonly paused = new Map<string, Promise<boolean>>();
  /** Containers being resumed: the holders handed them meanwhile, answered together once the resume ends. */
  private readonly resuming = new Map<string, Waiter[]>();
  private readonly prewarmBlockedUntil = new Map<RuntimeFamily, number>();
  private prewarmRetry: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private lifecycle: 'new' | 'running' | 'closed' = 'new';
  private sweeper: NodeJS.Timeout | undefined;
  private requestSeq = 0;

  constructor(private readonly options: ContainerPoolOptions) {
    this.state = new PoolState(options.userMemoryMb);
    this.now = options.now ?? Date.now;
  }

  get userMemoryMb(): number {
    return this.options.userMemoryMb;
  }

  get capabilities(): ContainerFactoryCapabilities {
    return this.options.factory.capabilities;
  }

  /** Prepares the factory (which removes this invoker's orphans) and starts the idle sweep. */
  async start(): Promise<void> {
    await this.options.factory.init();
    this.lifecycle = 'running';
    const interval = Math.min(10000, Math.max(50, Math.floor(this.options.idleContainerMs / 2)));
    this.sweeper = setInterval(() => this.sweepIdle(), interval);
    this.sweeper.unref();
    this.refill();
  }

  reserve(request: SlotRequest): Promise<Slot> {
    if (this.lifecycle !== 'running') return Promise.resolve({ kind: 'closed' });
    const requestId = `q${++this.requestSeq}`;
    const maxConcurrent = Math.max(1, request.maxConcurrent ?? 1);
    // A concurrent container starts with concurrency allowed, which a stem cell was not.
    const stemKey = maxConcurrent === 1 ? this.stemKeyFor(request) : undefined;
    const poolRequest: PoolRequest = { requestId, key: request.key, memoryMb: request.memoryMb, maxConcurrent, ...(stemKey ? { stemKey } : {}) };
    const admission = this.state.request(poolRequest, this.now());
    if (admission.kind === 'queued' || admission.kind === 'joined') return new Promise<Slot>((resolve) => this.waiters.set(requestId, { request: poolRequest, resolve }));
    const slot = this.toSlot(poolRequest, admission);
    this.refill();
    return Promise.resolve(slot);
  }

  /**
   * Provides the container for a cold slot: the stem cell it took, when its family is the
   * action's, else a new one. On failure the slot is already released.
   */
  async create(entryId: string, spec: ContainerSpec): Promise<CreateResult> {
    const stem = this.containers.get(entryId);
    if (stem) {
      const family = this.stemFamilies.get(entryId);
      this.stemFamilies.delete(entryId);
      if (family === spec.family) return { ok: true, warm: stem, prewarmed: true };
      // The message named another kind than the action has now: the stem cell cannot serve it.
      this.containers.delete(entryId);
      this.track(this.destroyWarm(stem));
    }
    let container: Container;
    try {
      container = await this.options.factory.create(spec);
    } catch (error) {
      this.release(entryId, false);
      return { ok: false, error };
    }
    const warm: WarmContainer = { container, client: createActionClient(container.baseUrl) };
    if (!this.state.entry(entryId)) {
      // The pool closed while the container was starting: it has no owner left.
      this.track(this.destroyWarm(warm));
      return { ok: false, error: new Error('container pool closed while the container was starting') };
    }
    this.containers.set(entryId, warm);
    return { ok: true, warm, prewarmed: false };
  }

  /**
   * The container behind a cold slot initialised: with spare concurrency it serves further
   * activations of its key before this one ends; the reservations that joined its start get it
   * now (and requests queued for memory may be warm now).
   */
  initialized(entryId: string): void {
    if (this.containers.has(entryId) && this.state.markReady(entryId)) this.pump();
  }

  /** Returns the slot: reusable keeps the container warm; otherwise it is destroyed. */
  release(entryId: string, reusable: boolean): void {
    const outcome = this.state.release(entryId, reusable && this.containers.has(entryId), this.now());
    if (outcome === 'removed') this.destroyEntry(entryId);
    else if (outcome === 'kept') this.schedulePause(entryId);
    this.pump();
  }

  availableMemoryMb(): number {
    return this.state.availableMb();
  }

  /** Answers waiting reservations with 'closed', destroys every container, closes the factory. */
  async close(): Promise<void> {
    if (this.lifecycle === 'closed') return;
    const wasRunning = this.lifecycle === 'running';
    this.lifecycle = 'closed';
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.prewarmRetry) clearTimeout(this.prewarmRetry);
    for (const timer of this.pauseTimers.values()) clearTimeout(timer);
    this.pauseTimers.clear();
    const { entryIds, requestIds } = this.state.clear();
    for (const requestId of requestIds) this.settle(requestId, { kind: 'closed' });
    for (const entryId of entryIds) this.destroyEntry(entryId);
    // Stem cells still being created destroy themselves once they see the pool closed.
    while (this.background.size > 0) await Promise.all([...this.background]);
    if (wasRunning) await this.options.factory.close();
  }

  private toSlot(request: PoolRequest, admission: Exclude<Admission, { kind: 'queued' | 'joined' }>): Slot | Promise<Slot> {
    switch (admission.kind) {
      case 'warm': {
        const warm = this.containers.get(admission.entryId);
        // A ready entry always has its container; anything else is a bookkeeping bug.
        if (!warm) throw new Error(`warm entry ${admission.entryId} has no container`);
        return this.awake(admission.entryId, warm, request);
      }
      case 'cold':
        for (const id of admission.evicted) this.destroyEntry(id);
        return { kind: 'cold', entryId: admission.entryId };
      case 'prewarmed':
        return { kind: 'cold', entryId: admission.entryId };
      case 'too-large':
        return { kind: 'too-large' };
    }
  }

  /** Admits what waits, then refills stem cells with whatever memory is still free. */
  private pump(): void {
    for (const { requestId, admission } of this.state.pump(this.now())) {
      // Joined a start: it goes on waiting, now for that container's /init.
      if (admission.kind === 'joined') continue;
      const waiter = this.waiters.get(requestId);
      this.waiters.delete(requestId);
      // Every request the state admits from its queue or hands a container has its waiter here.
      if (waiter) waiter.resolve(this.toSlot(waiter.request, admission));
    }
    this.refill();
  }

  private settle(requestId: string, slot: Slot): void {
    const waiter = this.waiters.get(requestId);
    this.waiters.delete(requestId);
    waiter?.resolve(slot);
  }

  private schedulePause(entryId: string): void {
    const graceMs = this.options.pauseGraceMs;
    if (graceMs === undefined || !this.capabilities.canPause || this.lifecycle !== 'running') return;
    const warm = this.containers.get(entryId);
    if (!warm || this.paused.has(entryId)) return;
    clearTimeout(this.pauseTimers.get(entryId));
    const timer = setTimeout(() => {
      this.pauseTimers.delete(entryId);
      // Handed out again meanwhile (or gone): nothing to pause.
      if (this.state.entry(entryId)?.active !== 0 || this.containers.get(entryId) !== warm) return;
      this.paused.set(
        entryId,
        warm.container.pause().then(
          () => true,
          (error: unknown) => {
            this.options.logger.warn({ err: error, container: warm.container.name }, 'container pause failed');
            return false;
          },
        ),
      );
    }, graceMs);
    timer.unref();
    this.pauseTimers.set(entryId, timer);
  }

  /**
   * A warm container handed out: its pause is cancelled, or it is resumed first. Every holder
   * handed it while it resumes (several, with concurrency > 1) waits for that one resume.
   */
  private awake(entryId: string, warm: WarmContainer, request: PoolRequest): Slot | Promise<Slot> {
    clearTimeout(this.pauseTimers.get(entryId));
    this.pauseTimers.delete(entryId);
    let holders = this.resuming.get(entryId);
    if (!holders) {
      const paused = this.paused.get(entryId);
      if (!paused) return { kind: 'warm', entryId, warm };
      this.paused.delete(entryId);
      holders = [];
      this.resuming.set(entryId, holders);
      void paused
        .then(async (wasPaused) => {
          if (!wasPaused) return false;
          try {
            await warm.container.resume();
            return true;
          } catch (error) {
            this.options.logger.warn({ err: error, container: warm.container.name }, 'container resume failed: replacing it');
            return false;
          }
        })
        .then((ok) => this.resumed(entryId, warm, ok));
    }
    const waiting = holders;
    return new Promise<Slot>((resolve) => waiting.push({ request, resolve }));
  }

  /**
   * The resume ended; its holders are answered together. Back: each gets the container warm.
   * Lost: it is destroyed and the entry starts again in the same memory; one holder creates and
   * initialises the replacement (a cold slot) while the others wait for it as if they had joined
   * its start, so a lost container is replaced once however many shared it.
   */
  private resumed(entryId: string, warm: WarmContainer, ok: boolean): void {
    const holders = this.resuming.get(entryId) ?? [];
    this.resuming.delete(entryId);
    const current = this.containers.get(entryId) === warm;
    if (ok && current) {
      for (const holder of holders) holder.resolve({ kind: 'warm', entryId, warm });
      return;
    }
    if (current) {
      this.containers.delete(entryId);
      this.track(this.destroyWarm(warm));
    }
    const [first, ...others] = holders;
    if (!first) return;
    if (!this.state.restart(entryId, others.map((other) => other.request))) {
      // The pool closed meanwhile and the entry went with it: nothing to replace, as for a queued reservation.
      for (const holder of holders) holder.resolve({ kind: 'closed' });
      return;
    }
    for (const other of others) this.waiters.set(other.request.requestId, other);
    first.resolve({ kind: 'cold', entryId });
  }

  private sweepIdle(): void {
    const expired = this.state.expireIdle(this.now(), this.options.idleContainerMs);
    for (const id of expired) this.destroyEntry(id);
    if (expired.length > 0) {
      this.options.logger.debug({ removed: expired.length }, 'removed idle containers');
      this.pump();
    }
  }

  private stemKeyFor(request: SlotRequest): string | undefined {
    const prewarm = this.options.prewarm?.find((p) => p.family === request.family && p.memoryMb === request.memoryMb && p.count > 0);
    return prewarm ? stemKey(prewarm) : undefined;
  }

  /** Starts creating the stem cells missing, as far as free memory allows. */
  private refill(): void {
    if (this.lifecycle !== 'running') return;
    const now = this.now();
    for (const prewarm of this.options.prewarm ?? []) {
      if ((this.prewarmBlockedUntil.get(prewarm.family) ?? 0) > now) continue;
      while (this.state.stemCount(stemKey(prewarm)) < prewarm.count) {
        const entryId = this.state.addStem(stemKey(prewarm), prewarm.memoryMb, now);
        if (entryId === undefined) break;
        this.track(this.createStem(entryId, prewarm));
      }
    }
  }

  private async createStem(entryId: string, prewarm: PrewarmConfig): Promise<void> {
    let container: Container;
    try {
      container = await this.options.factory.create(prewarm.spec());
    } catch (error) {
      this.options.logger.warn({ err: error, family: prewarm.family }, 'stem cell creation failed');
      this.state.release(entryId, false, this.now());
      this.pump();
      this.blockPrewarm(prewarm.family);
      return;
    }
    const warm: WarmContainer = { container, client: createActionClient(container.baseUrl) };
    if (this.lifecycle !== 'running' || !this.state.stemReady(entryId, this.now())) {
      await this.destroyWarm(warm);
      return;
    }
    this.containers.set(entryId, warm);
    this.stemFamilies.set(entryId, prewarm.family);
    // A waiting cold start of this family may take it, or evict it to make room.
    this.pump();
  }

  /** A failing creation (a missing image, say) must not spin: wait before trying again. */
  private blockPrewarm(family: RuntimeFamily): void {
    const retryMs = this.options.prewarmRetryMs ?? DEFAULT_PREWARM_RETRY_MS;
    this.prewarmBlockedUntil.set(family, this.now() + retryMs);
    if (this.prewarmRetry || this.lifecycle !== 'running') return;
    this.prewarmRetry = setTimeout(() => {
      this.prewarmRetry = undefined;
      this.refill();
    }, retryMs);
    this.prewarmRetry.unref();
  }

  private destroyEntry(entryId: string): void {
    const warm = this.containers.get(entryId);
    this.containers.delete(entryId);
    this.stemFamilies.delete(entryId);
    clearTimeout(this.pauseTimers.get(entryId));
    this.pauseTimers.delete(entryId);
    this.paused.delete(entryId);
    if (warm) this.track(this.destroyWarm(warm));
  }

  private async destroyWarm(warm: WarmContainer): Promise<void> {
    warm.client.close();
    try {
      await warm.container.destroy();
    } catch (error) {
      this.options.logger.warn({ err: error, container: warm.container.name }, 'container destroy failed');
    }
  }

  private track(work: Promise<void>): void {
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
  }
}

function stemKey(prewarm: PrewarmConfig): string {
  return `${prewarm.family}:${prewarm.memoryMb}`;
}
