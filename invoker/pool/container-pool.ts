import type { ContainerRuntime } from '../../common/entities/action';
import type { Logger } from '../../common/logging/logger';
import type { Container, ContainerFactory, ContainerFactoryCapabilities, ContainerSpec } from '../../common/spi/container-factory';
import type { GpuDevice, GpuDeviceStatus, GpuLimit } from '../../common/entities/gpu';
import type { LedgerDevice } from '../gpu/gpu-ledger';
import { PoolState, type Admission, type PoolCensus, type PoolRequest } from './container-pool-state';
import { PauseScheduler } from './pause-scheduler';
import { StemCells, type PrewarmConfig } from './stem-cells';
import { destroyWarm, warmContainer, type WarmContainer } from './warm-container';

// The I/O side of the container pool: carries out PoolState's decisions with the
// ContainerFactory. An activation reserves a slot (waiting, FIFO, while memory is full), then
// either gets a warm container or creates one in its reserved memory, and finally releases it:
// back to the pool when it served well, destroyed when it failed (never reused). A reservation
// that joined a container of its key being started (concurrency > 1) stays pending until that
// container's /init succeeded and then gets it as a warm slot, so it never sends /init itself;
// should that start fail, it is queued again and answered like any queued reservation.
//
// Idle warm containers are paused and resumed by pause-scheduler.ts. A cold slot of a prewarmed
// family and memory gets a stem cell (stem-cells.ts), which `create` hands over instead of creating.

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
  /** Device memory on `count` devices (limits.gpu); the container is pinned to the devices it gets. */
  readonly gpu?: GpuLimit;
  /** gpuPlacementKey of the action: what the heartbeat advertises its warm GPU container by. */
  readonly placementKey?: string;
}

export interface ContainerPoolOptions {
  readonly factory: ContainerFactory;
  readonly userMemoryMb: number;
  readonly idleContainerMs: number;
  /** An idle warm container is paused after this long (when the factory can pause); undefined: never. */
  readonly pauseGraceMs?: number;
  readonly prewarm?: readonly PrewarmConfig[];
  /** The invoker's GPUs (none: GPU requests are too large for it). */
  readonly gpus?: readonly LedgerDevice[];
  /** An idle GPU container is removed after this long unused; `idleContainerMs` when absent. */
  readonly gpuIdleContainerMs?: number;
  /** Whether idle GPU containers are paused too; they are not by default (ADR 0024). */
  readonly gpuPause?: boolean;
  /** Wait after a failed stem cell creation before trying again. */
  readonly prewarmRetryMs?: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

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
  private readonly pauses: PauseScheduler<Waiter>;
  private readonly stems: StemCells;
  private readonly now: () => number;
  private lifecycle: 'new' | 'running' | 'closed' = 'new';
  private sweeper: NodeJS.Timeout | undefined;
  private requestSeq = 0;

  constructor(private readonly options: ContainerPoolOptions) {
    this.state = new PoolState(options.userMemoryMb, options.gpus ?? []);
    this.now = options.now ?? Date.now;
    this.pauses = new PauseScheduler<Waiter>({
      graceMs: options.factory.capabilities.canPause ? options.pauseGraceMs : undefined,
      logger: options.logger,
      onResumed: (entryId, warm, ok, holders) => this.resumed(entryId, warm, ok, holders),
    });
    this.stems = new StemCells({
      state: this.state,
      factory: options.factory,
      logger: options.logger,
      now: this.now,
      prewarm: options.prewarm ?? [],
      retryMs: options.prewarmRetryMs,
      isRunning: () => this.lifecycle === 'running',
      adopt: (entryId, warm) => {
        this.containers.set(entryId, warm);
        // A waiting cold start of this family may take it, or evict it to make room.
        this.pump();
      },
      pump: () => this.pump(),
      track: (work) => this.track(work),
    });
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
    this.stems.refill();
  }

  reserve(request: SlotRequest): Promise<Slot> {
    if (this.lifecycle !== 'running') return Promise.resolve({ kind: 'closed' });
    const requestId = `q${++this.requestSeq}`;
    const maxConcurrent = Math.max(1, request.maxConcurrent ?? 1);
    // A concurrent container starts with concurrency allowed, which a stem cell was not.
    const stemKey = maxConcurrent === 1 ? this.stems.keyFor(request.family, request.memoryMb) : undefined;
    const poolRequest: PoolRequest = {
      requestId,
      key: request.key,
      memoryMb: request.memoryMb,
      maxConcurrent,
      ...(stemKey && !request.gpu ? { stemKey } : {}),
      ...(request.gpu ? { gpu: request.gpu, placementKey: request.placementKey ?? request.key } : {}),
    };
    const admission = this.state.request(poolRequest, this.now());
    if (admission.kind === 'queued' || admission.kind === 'joined') return new Promise<Slot>((resolve) => this.waiters.set(requestId, { request: poolRequest, resolve }));
    const slot = this.toSlot(poolRequest, admission);
    this.stems.refill();
    return Promise.resolve(slot);
  }

  /**
   * Provides the container for a cold slot: the stem cell it took, when its family is the
   * action's, else a new one. On failure the slot is already released.
   */
  async create(entryId: string, spec: ContainerSpec): Promise<CreateResult> {
    const stem = this.containers.get(entryId);
    if (stem) {
      if (this.stems.take(entryId) === spec.family) return { ok: true, warm: stem, prewarmed: true };
      // The message named another kind than the action has now: the stem cell cannot serve it.
      this.containers.delete(entryId);
      this.track(destroyWarm(stem, this.options.logger));
    }
    let container: Container;
    const gpus = this.state.gpuDevicesOf(entryId);
    try {
      container = await this.options.factory.create(gpus ? { ...spec, gpus } : spec);
    } catch (error) {
      this.release(entryId, false);
      return { ok: false, error };
    }
    const warm = warmContainer(container);
    if (!this.state.entry(entryId)) {
      // The pool closed while the container was starting: it has no owner left.
      this.track(destroyWarm(warm, this.options.logger));
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

  /** Containers by state, for the metrics. */
  census(): PoolCensus {
    return this.state.census((entryId) => this.pauses.isPaused(entryId));
  }

  availableMemoryMb(): number {
    return this.state.availableMb();
  }

  /** The devices with their free and idle-held memory, for the heartbeat. */
  gpuStatus(): GpuDeviceStatus[] {
    return this.state.gpuStatus();
  }

  /** Placement keys of warm, idle GPU containers, for the heartbeat. */
  gpuWarm(): string[] {
    return this.state.gpuWarm();
  }

  /** The devices the container behind a slot is pinned to (for its activation record and logs). */
  gpuDevicesOf(entryId: string): GpuDevice[] | undefined {
    return this.state.gpuDevicesOf(entryId);
  }

  /** Answers waiting reservations with 'closed', destroys every container, closes the factory. */
  async close(): Promise<void> {
    if (this.lifecycle === 'closed') return;
    const wasRunning = this.lifecycle === 'running';
    this.lifecycle = 'closed';
    if (this.sweeper) clearInterval(this.sweeper);
    this.stems.close();
    this.pauses.close();
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
    this.stems.refill();
  }

  private settle(requestId: string, slot: Slot): void {
    const waiter = this.waiters.get(requestId);
    this.waiters.delete(requestId);
    waiter?.resolve(slot);
  }

  private schedulePause(entryId: string): void {
    const warm = this.containers.get(entryId);
    if (!warm || this.lifecycle !== 'running') return;
    // A paused container keeps its device memory and gains nothing from pausing (its model is
    // what is kept warm): GPU containers stay running unless the operator says otherwise.
    if (this.state.entry(entryId)?.gpu && !this.options.gpuPause) return;
    // Handed out again meanwhile (or gone): nothing to pause.
    this.pauses.schedule(entryId, warm, () => this.state.entry(entryId)?.active === 0 && this.containers.get(entryId) === warm);
  }

  /** A warm container handed out: its pause is cancelled, or it is resumed first. */
  private awake(entryId: string, warm: WarmContainer, request: PoolRequest): Slot | Promise<Slot> {
    let resolve!: Settle;
    const resumed = new Promise<Slot>((settle) => (resolve = settle));
    return this.pauses.wake(entryId, warm, { request, resolve }) ? resumed : { kind: 'warm', entryId, warm };
  }

  /**
   * The resume ended; its holders are answered together. Back: each gets the container warm.
   * Lost: it is destroyed and the entry starts again in the same memory; one holder creates and
   * initialises the replacement (a cold slot) while the others wait for it as if they had joined
   * its start, so a lost container is replaced once however many shared it.
   */
  private resumed(entryId: string, warm: WarmContainer, ok: boolean, holders: Waiter[]): void {
    const current = this.containers.get(entryId) === warm;
    if (ok && current) {
      for (const holder of holders) holder.resolve({ kind: 'warm', entryId, warm });
      return;
    }
    if (current) {
      this.containers.delete(entryId);
      this.track(destroyWarm(warm, this.options.logger));
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
    const expired = this.state.expireIdle(this.now(), this.options.idleContainerMs, this.options.gpuIdleContainerMs ?? this.options.idleContainerMs);
    for (const id of expired) this.destroyEntry(id);
    if (expired.length > 0) {
      this.options.logger.debug({ removed: expired.length }, 'removed idle containers');
      this.pump();
    }
  }

  private destroyEntry(entryId: string): void {
    const warm = this.containers.get(entryId);
    this.containers.delete(entryId);
    this.stems.forget(entryId);
    this.pauses.forget(entryId);
    if (warm) this.track(destroyWarm(warm, this.options.logger));
  }

  private track(work: Promise<void>): void {
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
  }
}
