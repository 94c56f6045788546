// The container pool's bookkeeping, free of I/O so its rules can be checked exhaustively:
// which container serves a request, how memory is accounted, who waits. The driver
// (container-pool.ts) performs the decisions: creates, destroys, hands containers out.
//
// Rules (OpenWhisk's ContainerPool, DESIGN.md §3): a warm container keyed by (invoking
// namespace, action, revision) with spare concurrency first; else a slot of one still starting
// for that key (joining, below); else a cold start if memory allows; else evict least recently
// used idle containers until it does; else wait in FIFO order (only the head of the queue may
// be admitted, so nothing starves).
//
// Stem cells (OpenWhisk's prewarmed containers): created but not initialised, keyed by
// runtime family and memory. They count against memory like any container; a cold start
// whose stem key matches takes one instead of creating; they never expire, but an idle one
// may be evicted like any idle container, since a cold start that must wait is worse than a
// stem cell recreated later.
//
// Joining a start (OpenWhisk counts activations in flight on a starting container against its
// concurrency): a request whose key matches a container still being created and initialised,
// with spare concurrency, takes a slot of it instead of starting another, and reserves no memory
// of its own. It is handed the container, warm, once the first activation's /init succeeded.
// Should that start fail (or be given up) instead, every request that joined it is queued again
// in arrival order (ahead of later arrivals, so FIFO holds) to start a container of its own: each
// then gets the outcome its own /init gives (a broken action's init failure, say), with no other
// start to join, so a deterministic failure costs one more round of cold starts, not a chain of
// them, and a transient one does not fail requests that never reached a container.
//
// GPU actions (DESIGN.md §8, ADR 0024): a request with `gpu` also needs device memory, which a
// GpuLedger accounts per device. A container holds its devices from its cold start until it is
// dropped, by whatever path (failure, retirement, idle expiry, eviction, clear), since its model
// stays loaded while it is warm. A cold start that does not fit the devices evicts idle GPU
// containers least recently used first; else it waits like any request. GPU requests never take
// stem cells (those hold no device).

import type { GpuDevice, GpuDeviceStatus, GpuLimit } from '../../common/entities/gpu';
import { GpuLedger, type LedgerDevice } from '../gpu/gpu-ledger';

export interface PoolRequest {
  readonly requestId: string;
  readonly key: string;
  readonly memoryMb: number;
  /** Activations one container may run at once (intra-container concurrency). */
  readonly maxConcurrent: number;
  /** The stem cells that can serve this request's cold start, if any are kept for it. */
  readonly stemKey?: string;
  /** Queued again after the start it joined failed: it starts a container of its own rather than joining another start. */
  readonly ownStart?: boolean;
  /** Device memory per device on `count` devices; absent: no GPU. */
  readonly gpu?: GpuLimit;
  /** What the heartbeat advertises a warm GPU container of this request by (gpuPlacementKey). */
  readonly placementKey?: string;
}

export interface PoolEntry {
  readonly id: string;
  readonly key: string;
  readonly memoryMb: number;
  readonly maxConcurrent: number;
  /** Activations holding this container (a cold start counts from its reservation). */
  readonly active: number;
  /** Initialized and able to serve; false while a cold start is creating and initializing it. */
  readonly ready: boolean;
  readonly lastUsed: number;
  /** Set while the entry is an uninitialised stem cell: the (family, memory) key it can serve. */
  readonly stem?: string;
  /** An activation failed in it while others still run there: it takes no new work and goes when they leave. */
  readonly retiring?: boolean;
  /** Requests holding a slot of this starting entry that wait for it to be initialised (no /init of their own). */
  readonly joined?: readonly PoolRequest[];
  /** Set on a GPU container: its placement key (its devices are in the ledger under its id), and how many of its key idle expiry spares. */
  readonly gpu?: { readonly placementKey: string; readonly keepWarm: number };
}

export type Admission =
  | { readonly kind: 'warm'; readonly entryId: string }
  /** A new entry was reserved; `evicted` idle entries were dropped to make room and must be destroyed. */
  | { readonly kind: 'cold'; readonly entryId: string; readonly evicted: readonly string[] }
  /** A ready stem cell was taken (re-keyed, now initialising); nothing was created or evicted. */
  | { readonly kind: 'prewarmed'; readonly entryId: string }
  /**
   * A slot of a starting entry was taken: the request waits, and pump admits it warm once the
   * entry is initialised, or queues it again should the start fail.
   */
  | { readonly kind: 'joined'; readonly entryId: string }
  | { readonly kind: 'queued' }
  /** It can never fit, even in an empty pool. */
  | { readonly kind: 'too-large' };

export interface Admitted {
  readonly requestId: string;
  readonly admission: Extract<Admission, { kind: 'warm' | 'cold' | 'prewarmed' | 'joined' }>;
}

// What an operator sees of a pool (how many containers are in each state) is the heartbeat's type.
export type { PoolCensus, PoolCensusState } from '../../common/protocol/heartbeat';
import type { PoolCensus } from '../../common/protocol/heartbeat';

export class PoolState {
  private readonly entries = new Map<string, PoolEntry>();
  private readonly waiting: PoolRequest[] = [];
  /** Joined requests whose entry became ready: pump hands them the container. */
  private readonly handoffs: Admitted[] = [];
  /** When each request first arrived: a request queued again goes back to its place in line. */
  private readonly arrivals = new WeakMap<PoolRequest, number>();
  private arrivalSeq = 0;
  private sequence = 0;

  private readonly ledger: GpuLedger;

  constructor(
    readonly capacityMb: number,
    gpus: readonly LedgerDevice[] = [],
  ) {
    this.ledger = new GpuLedger(gpus);
  }

  /** The devices a GPU entry holds, for pinning its container. */
  gpuDevicesOf(entryId: string): GpuDevice[] | undefined {
    return this.ledger.heldBy(entryId)?.devices;
  }

  /** Each device with its free memory and the memory idle warm containers hold (the heartbeat's). */
  gpuStatus(): GpuDeviceStatus[] {
    const free = this.ledger.freeMb();
    const idle = this.ledger.heldMbBy([...this.entries.values()].filter((entry) => entry.gpu && isIdle(entry)).map((entry) => entry.id));
    return this.ledger.devices.map(({ usedOutsideMb: _outside, ...device }, i) => ({ ...device, freeMemoryMb: free[i]!, idleMemoryMb: idle[i]! }));
  }

  /** Placement keys of GPU containers ready and idle: a call for one needs no new device memory. */
  gpuWarm(): string[] {
    const keys = new Set<string>();
    for (const entry of this.entries.values()) if (entry.gpu && isIdle(entry) && !entry.retiring) keys.add(entry.gpu.placementKey);
    return [...keys];
  }

  usedMb(): number {
    let used = 0;
    for (const entry of this.entries.values()) used += entry.memoryMb;
    return used;
  }

  /** What one more activation can get without waiting: memory not held by busy or starting containers, less what waits. */
  availableMb(): number {
    let held = 0;
    for (const entry of this.entries.values()) if (!isIdle(entry)) held += entry.memoryMb;
    for (const request of this.waiting) held += request.memoryMb;
    return Math.max(0, this.capacityMb - held);
  }

  /** `paused` says which idle entries the pause scheduler holds paused. */
  census(paused: (entryId: string) => boolean): PoolCensus {
    const census = { prewarmed: 0, starting: 0, busy: 0, idle: 0, paused: 0 };
    for (const entry of this.entries.values()) {
      if (!entry.ready) census.starting += 1;
      else if (entry.stem !== undefined) census.prewarmed += 1;
      else if (entry.active > 0) census.busy += 1;
      else if (paused(entry.id)) census.paused += 1;
      else census.idle += 1;
    }
    return census;
  }

  entry(entryId: string): PoolEntry | undefined {
    return this.entries.get(entryId);
  }

  entryIds(): string[] {
    return [...this.entries.keys()];
  }

  waitingCount(): number {
    return this.waiting.length;
  }

  request(request: PoolRequest, now: number): Admission {
    if (request.memoryMb > this.capacityMb || (request.gpu && !this.ledger.canEverFit(request.gpu))) return { kind: 'too-large' };
    if (!this.arrivals.has(request)) this.arrivals.set(request, ++this.arrivalSeq);
    if (this.waiting.length > 0) {
      this.waiting.push(request);
      return { kind: 'queued' };
    }
    const admission = this.tryAdmit(request, now);
    if (admission.kind === 'queued') this.waiting.push(request);
    return admission;
  }

  /**
   * The activation is done with the container. Reusable: it stays, ready for the same key.
   * Otherwise (failed, or never created) the entry is dropped and its memory freed, unless other
   * activations still run in it (concurrency > 1): then it retires, taking no new work, and is
   * dropped when the last of them leaves. Returns whether the driver must destroy it now.
   * Requests that joined its start are queued again (failed) or handed it (kept) by the next pump.
   */
  release(entryId: string, reusable: boolean, now: number): 'kept' | 'retiring' | 'removed' | 'unknown' {
    let entry = this.entries.get(entryId);
    if (!entry) return 'unknown';
    if (!reusable || entry.retiring) {
      const joined = entry.joined ?? [];
      if (joined.length > 0) {
        // Nothing ran for them in it: they give their slots back and start afresh.
        this.requeue(joined);
        entry = { ...entry, active: entry.active - joined.length, joined: undefined };
      }
      if (entry.active > 1) {
        this.entries.set(entryId, { ...entry, active: entry.active - 1, ready: false, retiring: true });
        return 'retiring';
      }
      this.drop(entryId);
      return 'removed';
    }
    this.handOff(entry);
    this.entries.set(entryId, { ...entry, active: Math.max(0, entry.active - 1), ready: true, lastUsed: now, joined: undefined });
    return 'kept';
  }

  /**
   * Reserves memory for a new stem cell; undefined when it would not fit without eviction or
   * when requests wait (they come first). The driver creates it, then calls stemReady.
   */
  addStem(stemKey: string, memoryMb: number, now: number): string | undefined {
    if (this.waiting.length > 0 || this.capacityMb - this.usedMb() < memoryMb) return undefined;
    const id = `c${++this.sequence}`;
    this.entries.set(id, { id, key: stemKey, memoryMb, maxConcurrent: 1, active: 0, ready: false, lastUsed: now, stem: stemKey });
    return id;
  }

  /** The stem cell's container exists: it may now be taken (or evicted). False when it was dropped meanwhile. */
  stemReady(entryId: string, now: number): boolean {
    const entry = this.entries.get(entryId);
    if (!entry || entry.stem === undefined) return false;
    this.entries.set(entryId, { ...entry, ready: true, lastUsed: now });
    return true;
  }

  /** Stem cells for the key, ready or being created. */
  stemCount(stemKey: string): number {
    let count = 0;
    for (const entry of this.entries.values()) if (entry.stem === stemKey) count += 1;
    return count;
  }

  /**
   * The container was initialised: it may take further activations of its key while this one
   * runs, and the requests that joined its start are handed it by the next pump.
   */
  markReady(entryId: string): boolean {
    const entry = this.entries.get(entryId);
    if (!entry || entry.stem !== undefined || entry.active === 0 || entry.retiring) return false;
    this.handOff(entry);
    this.entries.set(entryId, { ...entry, ready: true, joined: undefined });
    return true;
  }

  /**
   * A held container was lost (it failed to resume): the entry keeps its memory and its
   * holders but is starting again, so the driver can create a fresh container in its place.
   * One holder creates and initialises it; `others`, the rest of the holders, wait for it as if
   * they had joined its start (handed it by pump once ready, queued again should it fail).
   * Only a ready entry restarts, so however many holders saw the container lost, it is replaced once.
   */
  restart(entryId: string, others: readonly PoolRequest[] = []): boolean {
    const entry = this.entries.get(entryId);
    if (!entry || !entry.ready || entry.active <= others.length) return false;
    this.entries.set(entryId, { ...entry, ready: false, joined: [...others] });
    return true;
  }

  /**
   * Hands joined requests the container that became ready for them, then admits waiting
   * requests in FIFO order while the head fits. Call after anything freed capacity, a release or
   * markReady. A request admitted 'joined' keeps waiting, now for the entry it joined.
   */
  pump(now: number): Admitted[] {
    const admitted: Admitted[] = this.handoffs.splice(0);
    for (let head = this.waiting[0]; head !== undefined; head = this.waiting[0]) {
      const admission = this.tryAdmit(head, now);
      if (admission.kind === 'queued' || admission.kind === 'too-large') break;
      this.waiting.shift();
      admitted.push({ requestId: head.requestId, admission });
    }
    return admitted;
  }

  /**
   * Drops idle containers unused for `idleMs` (GPU ones for `gpuIdleMs`: their models stay loaded
   * longer, and the `keepWarm` most recently used of a key stay); returns their ids for destruction.
   */
  expireIdle(now: number, idleMs: number, gpuIdleMs = idleMs): string[] {
    const expired: string[] = [];
    const kept = new Map<string, number>();
    const newestFirst = [...this.entries.values()].sort((a, b) => b.lastUsed - a.lastUsed);
    for (const entry of newestFirst) {
      if (!isIdle(entry) || entry.stem !== undefined) continue;
      if (entry.gpu && entry.gpu.keepWarm > 0) {
        const spared = kept.get(entry.key) ?? 0;
        if (spared < entry.gpu.keepWarm) {
          kept.set(entry.key, spared + 1);
          continue;
        }
      }
      if (now - entry.lastUsed >= (entry.gpu ? gpuIdleMs : idleMs)) expired.push(entry.id);
    }
    for (const id of expired) this.drop(id);
    return expired;
  }

  /** Empties the pool: every entry and every request still waiting (queued, joined or about to be handed a container), for shutdown. */
  clear(): { entryIds: string[]; requestIds: string[] } {
    const requestIds = [...this.waiting.map((r) => r.requestId), ...this.handoffs.map((h) => h.requestId)];
    for (const entry of this.entries.values()) for (const request of entry.joined ?? []) requestIds.push(request.requestId);
    const result = { entryIds: [...this.entries.keys()], requestIds };
    this.entries.clear();
    this.ledger.clear();
    this.waiting.length = 0;
    this.handoffs.length = 0;
    return result;
  }

  private tryAdmit(request: PoolRequest, now: number): Admission {
    const warm = this.findWarm(request.key);
    if (warm) {
      this.entries.set(warm.id, { ...warm, active: warm.active + 1, lastUsed: now });
      return { kind: 'warm', entryId: warm.id };
    }
    const starting = request.ownStart ? undefined : this.findStarting(request.key);
    if (starting) {
      this.entries.set(starting.id, { ...starting, active: starting.active + 1, joined: [...(starting.joined ?? []), request] });
      return { kind: 'joined', entryId: starting.id };
    }
    const stem = request.stemKey === undefined || request.gpu ? undefined : this.findStem(request.stemKey);
    if (stem) {
      this.entries.set(stem.id, { id: stem.id, key: request.key, memoryMb: stem.memoryMb, maxConcurrent: request.maxConcurrent, active: 1, ready: false, lastUsed: now });
      return { kind: 'prewarmed', entryId: stem.id };
    }
    const evicted = this.victimsFor(request.memoryMb, request.gpu);
    if (evicted === undefined) return { kind: 'queued' };
    for (const id of evicted) this.drop(id);
    const id = `c${++this.sequence}`;
    if (request.gpu && !this.ledger.allocate(id, request.gpu)) throw new Error(`GPU request ${request.requestId} admitted without device memory`);
    const gpu = request.gpu ? { gpu: { placementKey: request.placementKey ?? request.key, keepWarm: request.gpu.keepWarm ?? 0 } } : {};
    this.entries.set(id, { id, key: request.key, memoryMb: request.memoryMb, maxConcurrent: request.maxConcurrent, active: 1, ready: false, lastUsed: now, ...gpu });
    return { kind: 'cold', entryId: id, evicted };
  }

  /** A container of the key being started (or restarted) for an activation, with a slot to spare. */
  private findStarting(key: string): PoolEntry | undefined {
    for (const entry of this.entries.values()) {
      if (entry.key === key && entry.stem === undefined && !entry.ready && !entry.retiring && entry.active > 0 && entry.active < entry.maxConcurrent) return entry;
    }
    return undefined;
  }

  private handOff(entry: PoolEntry): void {
    for (const request of entry.joined ?? []) this.handoffs.push({ requestId: request.requestId, admission: { kind: 'warm', entryId: entry.id } });
  }

  /** Queues requests again at their place in line: behind whatever arrived before them, ahead of the rest. */
  private requeue(requests: readonly PoolRequest[]): void {
    for (const request of requests) {
      const again: PoolRequest = { ...request, ownStart: true };
      const arrival = this.arrivalOf(request);
      this.arrivals.set(again, arrival);
      const at = this.waiting.findIndex((waiting) => this.arrivalOf(waiting) > arrival);
      this.waiting.splice(at === -1 ? this.waiting.length : at, 0, again);
    }
  }

  private arrivalOf(request: PoolRequest): number {
    return this.arrivals.get(request) ?? 0;
  }

  private findStem(stemKey: string): PoolEntry | undefined {
    for (const entry of this.entries.values()) if (entry.stem === stemKey && isIdle(entry)) return entry;
    return undefined;
  }

  private findWarm(key: string): PoolEntry | undefined {
    let best: PoolEntry | undefined;
    for (const entry of this.entries.values()) {
      if (entry.key !== key || entry.stem !== undefined || !entry.ready || entry.active >= entry.maxConcurrent) continue;
      // The most recently used keeps the others aging towards removal.
      if (!best || entry.lastUsed > best.lastUsed) best = entry;
    }
    return best;
  }

  /**
   * Idle entries to evict, least recently used first, so that `memoryMb` fits (and `gpu` fits
   * the devices: idle GPU containers go first for that, only as many as it takes); undefined when it cannot.
   */
  private victimsFor(memoryMb: number, gpu?: GpuLimit): string[] | undefined {
    const idle = [...this.entries.values()].filter(isIdle).sort((a, b) => a.lastUsed - b.lastUsed);
    const victims: string[] = [];
    let free = this.capacityMb - this.usedMb();
    if (gpu) {
      const idleGpu = idle.filter((entry) => entry.gpu);
      while (!this.ledger.fitsWithout(gpu, victims)) {
        const next = idleGpu.shift();
        if (!next) return undefined;
        victims.push(next.id);
        free += next.memoryMb;
      }
    }
    for (const entry of idle) {
      if (free >= memoryMb) return victims;
      if (victims.includes(entry.id)) continue;
      victims.push(entry.id);
      free += entry.memoryMb;
    }
    return free >= memoryMb ? victims : undefined;
  }

  /** Removes an entry and gives back whatever device memory it held: every way out of the pool comes here. */
  private drop(entryId: string): void {
    this.entries.delete(entryId);
    this.ledger.release(entryId);
  }
}

function isIdle(entry: PoolEntry): boolean {
  return entry.ready && entry.active === 0;
}
