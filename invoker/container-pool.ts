import type { Logger } from '../common/logging/logger';
import type { Container, ContainerFactory, ContainerFactoryCapabilities, ContainerSpec } from '../common/spi/container-factory';
import { createActionClient, type ActionClient } from './action-client';
import { PoolState, type Admission } from './container-pool-state';

// The I/O side of the container pool: carries out PoolState's decisions with the
// ContainerFactory. An activation reserves a slot (waiting, FIFO, while memory is full), then
// either gets a warm container or creates one in its reserved memory, and finally releases it:
// back to the pool when it served well, destroyed when it failed (never reused).
//
// Pausing idle containers and prewarmed stem cells are later work: both enter through
// `reserve` (a paused warm container resumes before it is handed out; a stem cell is a ready
// entry keyed by kind and memory) without changing the callers.

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

export type CreateResult = { readonly ok: true; readonly warm: WarmContainer } | { readonly ok: false; readonly error: unknown };

export interface SlotRequest {
  /** (invoking namespace, fully qualified action, revision), encoded by the caller. */
  readonly key: string;
  readonly memoryMb: number;
}

export interface ContainerPoolOptions {
  readonly factory: ContainerFactory;
  readonly userMemoryMb: number;
  readonly idleContainerMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

type Settle = (slot: Slot) => void;

export class ContainerPool {
  private readonly state: PoolState;
  private readonly containers = new Map<string, WarmContainer>();
  private readonly waiters = new Map<string, Settle>();
  private readonly destroying = new Set<Promise<void>>();
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
  }

  reserve(request: SlotRequest): Promise<Slot> {
    if (this.lifecycle !== 'running') return Promise.resolve({ kind: 'closed' });
    const requestId = `q${++this.requestSeq}`;
    // Concurrency 1 per container until intra-container concurrency (and log attribution) lands.
    const admission = this.state.request({ requestId, key: request.key, memoryMb: request.memoryMb, maxConcurrent: 1 }, this.now());
    if (admission.kind === 'queued') return new Promise<Slot>((resolve) => this.waiters.set(requestId, resolve));
    return Promise.resolve(this.toSlot(admission));
  }

  /** Creates the container for a cold slot. On failure the slot is already released. */
  async create(entryId: string, spec: ContainerSpec): Promise<CreateResult> {
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
    return { ok: true, warm };
  }

  /** Returns the slot: reusable keeps the container warm; otherwise it is destroyed. */
  release(entryId: string, reusable: boolean): void {
    const outcome = this.state.release(entryId, reusable && this.containers.has(entryId), this.now());
    if (outcome === 'removed') this.destroyEntry(entryId);
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
    const { entryIds, requestIds } = this.state.clear();
    for (const requestId of requestIds) this.settle(requestId, { kind: 'closed' });
    for (const entryId of entryIds) this.destroyEntry(entryId);
    await Promise.all([...this.destroying]);
    if (wasRunning) await this.options.factory.close();
  }

  private toSlot(admission: Exclude<Admission, { kind: 'queued' }>): Slot {
    switch (admission.kind) {
      case 'warm': {
        const warm = this.containers.get(admission.entryId);
        // A ready entry always has its container; anything else is a bookkeeping bug.
        if (!warm) throw new Error(`warm entry ${admission.entryId} has no container`);
        return { kind: 'warm', entryId: admission.entryId, warm };
      }
      case 'cold':
        for (const id of admission.evicted) this.destroyEntry(id);
        return { kind: 'cold', entryId: admission.entryId };
      case 'too-large':
        return { kind: 'too-large' };
    }
  }

  private pump(): void {
    for (const { requestId, admission } of this.state.pump(this.now())) this.settle(requestId, this.toSlot(admission));
  }

  private settle(requestId: string, slot: Slot): void {
    const resolve = this.waiters.get(requestId);
    this.waiters.delete(requestId);
    resolve?.(slot);
  }

  private sweepIdle(): void {
    const expired = this.state.expireIdle(this.now(), this.options.idleContainerMs);
    for (const id of expired) this.destroyEntry(id);
    if (expired.length > 0) {
      this.options.logger.debug({ removed: expired.length }, 'removed idle containers');
      this.pump();
    }
  }

  private destroyEntry(entryId: string): void {
    const warm = this.containers.get(entryId);
    this.containers.delete(entryId);
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
    this.destroying.add(work);
    void work.finally(() => this.destroying.delete(work));
  }
}
