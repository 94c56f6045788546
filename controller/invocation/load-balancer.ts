import { createHash } from 'node:crypto';
import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { gpuPlacementKey, type GpuLimit } from '../../common/entities/gpu';
import { lessReservations, placeGpu, type GpuCandidate } from './gpu-placement';
import type { InvokerView } from './invoker-registry';

// Home invoker by hash of namespace + action, probing onward for a healthy one with free
// memory; when all healthy ones are busy the work queues on the first healthy invoker in probe
// order (never 503 for load). 503 only when no invoker is healthy (DESIGN.md §3, §4).
//
// An invoker's free memory is what its last heartbeat said less what this controller has sent
// it since (DESIGN.md §7). Every such reservation belongs to one activation: sending it elsewhere
// (the reaper's re-dispatch) moves it, its completion ack releases it, and it lapses on its own a
// grace after the action's timeout, because the ack may go to another controller or be lost, and
// a reservation left behind would make an invoker look full for good. A reservation stops counting
// once a heartbeat sent after the invoker had the activation arrives: that heartbeat's free memory
// already leaves it out, and counting it twice would send a burst away from its home invoker (and
// its warm containers) while that one still had room.
//
// A GPU action (limits.gpu) is placed by gpu-placement.ts instead: only on invokers with devices
// that can hold it, warm first, then best fit by free device memory (DESIGN.md §8, ADR 0024).
// Its reservations count against device memory the same way, and are released the same way.

/** How long after the action's timeout a reservation nobody released is dropped. */
export const RESERVATION_GRACE_MS = 30_000;
/**
 * How long after a send a heartbeat must arrive to include the activation: the message's trip to
 * the invoker's pool and the beat's trip back, with room for a loaded machine.
 */
export const HEARTBEAT_REFLECTS_AFTER_MS = 100;

export function homeIndex(namespace: string, action: string, count: number): number {
  const digest = createHash('sha1').update(namespace).update('/').update(action).digest();
  return digest.readUInt32BE(0) % count;
}

interface Reservation {
  readonly invokerId: string;
  readonly memoryMb: number;
  readonly sentAt: number;
  readonly expiresAt: number;
  readonly gpu?: GpuLimit;
}

export class LoadBalancer {
  private readonly reservations = new Map<string, Reservation>();
  /** `reservations` grouped by invoker, so that choosing looks at one candidate's only. */
  private readonly byInvoker = new Map<string, Set<Reservation>>();

  constructor(
    private readonly invokers: () => InvokerView[],
    private readonly now: () => number = Date.now,
  ) {}

  choose(namespace: string, action: string, memoryMb: number, gpu?: GpuLimit): string {
    const all = this.invokers();
    if (gpu) return this.chooseGpu(all, namespace, action, gpu);
    if (all.length === 0) throw noInvokers();
    const home = homeIndex(namespace, action, all.length);
    let firstHealthy: string | undefined;
    for (let step = 0; step < all.length; step++) {
      const candidate = all[(home + step) % all.length]!;
      if (candidate.state !== 'up') continue;
      firstHealthy ??= candidate.invokerId;
      if (this.free(candidate) >= memoryMb) return candidate.invokerId;
    }
    if (firstHealthy) return firstHealthy;
    throw noInvokers();
  }

  /** Counts `memoryMb` against `invokerId` for `activationId`, in place of wherever that activation was counted before. */
  reserve(activationId: string, invokerId: string, memoryMb: number, timeoutMs: number, gpu?: GpuLimit): void {
    this.release(activationId);
    const now = this.now();
    const reservation: Reservation = { invokerId, memoryMb, sentAt: now, expiresAt: now + timeoutMs + RESERVATION_GRACE_MS, ...(gpu ? { gpu } : {}) };
    this.reservations.set(activationId, reservation);
    let held = this.byInvoker.get(invokerId);
    if (!held) this.byInvoker.set(invokerId, (held = new Set()));
    held.add(reservation);
  }

  /** The activation completed (or was never sent): its memory is no longer counted anywhere. */
  release(activationId: string): void {
    const reservation = this.reservations.get(activationId);
    if (!reservation) return;
    this.reservations.delete(activationId);
    const held = this.byInvoker.get(reservation.invokerId);
    held?.delete(reservation);
    if (held?.size === 0) this.byInvoker.delete(reservation.invokerId);
  }

  /**
   * Drops reservations past their expiry, and those on an invoker that is down: whatever it was
   * running died with it or is re-dispatched (and counted again there), and when it comes back
   * its heartbeat says afresh what it has free.
   */
  sweep(): void {
    const now = this.now();
    const down = new Set(this.invokers().filter((view) => view.state === 'down').map((view) => view.invokerId));
    for (const [activationId, reservation] of this.reservations) {
      if (reservation.expiresAt < now || down.has(reservation.invokerId)) this.release(activationId);
    }
  }

  /** Free memory of `invokerId` as this balancer counts it; undefined for an invoker never heard from. */
  freeMemoryMb(invokerId: string): number | undefined {
    const view = this.invokers().find((candidate) => candidate.invokerId === invokerId);
    return view && this.free(view);
  }

  private chooseGpu(all: readonly InvokerView[], namespace: string, action: string, gpu: GpuLimit): string {
    const healthy = all.filter((view) => view.state === 'up');
    const home = healthy.length === 0 ? 0 : homeIndex(namespace, action, healthy.length);
    const key = gpuPlacementKey(namespace, action);
    const candidates: GpuCandidate[] = healthy.map((_, step) => {
      const view = healthy[(home + step) % healthy.length]!;
      const devices = view.gpus.map((device) => ({ memoryMb: device.memoryMb, freeMb: device.freeMemoryMb, idleMb: device.idleMemoryMb }));
      return { invokerId: view.invokerId, devices: lessReservations(devices, this.unreflected(view).flatMap((r) => (r.gpu ? [r.gpu] : []))), warm: view.gpuWarm.includes(key) };
    });
    const placement = placeGpu(candidates, gpu);
    if (placement.kind === 'chosen') return placement.invokerId;
    if (healthy.length === 0) throw noInvokers();
    throw new PlatformError('no-gpu-invoker', placement.largestMb === 0 ? Messages.noGpuInvokers(gpu.memory, gpu.count) : Messages.noGpuLargeEnough(gpu.memory, gpu.count, placement.largestMb));
  }

  /** This controller's reservations on the invoker that its latest heartbeat cannot reflect yet. */
  private unreflected(view: InvokerView): Reservation[] {
    return [...(this.byInvoker.get(view.invokerId) ?? [])].filter((reservation) => reservation.sentAt + HEARTBEAT_REFLECTS_AFTER_MS > view.heardAt);
  }

  private free(view: InvokerView): number {
    let free = view.freeMemoryMb;
    for (const reservation of this.unreflected(view)) free -= reservation.memoryMb;
    return free;
  }
}

function noInvokers(): PlatformError {
  return new PlatformError('no-healthy-invoker', Messages.noInvokers);
}
