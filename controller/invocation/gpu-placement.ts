import { bestFitDevices, type GpuLimit } from '../../common/entities/gpu';

// Where a GPU action goes (DESIGN.md §8, ADR 0024), as a pure function of what the invokers'
// heartbeats said less this controller's own reservations. In order:
//   1. only invokers with `count` devices each large enough to ever hold `memory`: none is a 503;
//   2. an invoker with a warm, idle container of the action (its model is loaded: no new device
//      memory, no load time), as Ray Serve's model multiplexing routes by model;
//   3. the best fit among those with the memory free now: the least memory left over on the
//      devices it would take, so a large action still finds a device with room later;
//   4. the best fit among those that have it once idle warm containers are evicted (least
//      recently used first, on the invoker), so loaded models are evicted only when needed;
//   5. else all are full: the activation queues on the first eligible invoker in probe order,
//      never a 503 for load (the invoker's pool admits it when a device frees up).

export interface GpuDeviceView {
  readonly memoryMb: number;
  readonly freeMb: number;
  /** Held by idle warm containers the invoker may evict. */
  readonly idleMb: number;
}

export interface GpuCandidate {
  readonly invokerId: string;
  /** Free memory already less this controller's reservations not yet in a heartbeat. */
  readonly devices: readonly GpuDeviceView[];
  /** Holds a warm, idle container of this action. */
  readonly warm: boolean;
}

export type GpuPlacement =
  | { readonly kind: 'chosen'; readonly invokerId: string; readonly why: 'warm' | 'fits' | 'fits-after-eviction' | 'queued' }
  /** `largestMb`: the largest device of any candidate, 0 when none has a GPU. */
  | { readonly kind: 'none'; readonly largestMb: number };

/** `candidates` are the healthy invokers in probe order (home invoker first). */
export function placeGpu(candidates: readonly GpuCandidate[], gpu: GpuLimit): GpuPlacement {
  const eligible = candidates.filter((c) => c.devices.filter((d) => d.memoryMb >= gpu.memory).length >= gpu.count);
  if (eligible.length === 0) {
    const largestMb = Math.max(0, ...candidates.flatMap((c) => c.devices.map((d) => d.memoryMb)));
    return { kind: 'none', largestMb };
  }
  const warm = eligible.find((c) => c.warm);
  if (warm) return { kind: 'chosen', invokerId: warm.invokerId, why: 'warm' };
  const now = bestFit(eligible, gpu, (d) => d.freeMb);
  if (now) return { kind: 'chosen', invokerId: now, why: 'fits' };
  const evicting = bestFit(eligible, gpu, (d) => d.freeMb + d.idleMb);
  if (evicting) return { kind: 'chosen', invokerId: evicting, why: 'fits-after-eviction' };
  return { kind: 'chosen', invokerId: eligible[0]!.invokerId, why: 'queued' };
}

/** The candidate whose devices would have the least memory left over; the earlier in probe order on a tie. */
function bestFit(candidates: readonly GpuCandidate[], gpu: GpuLimit, room: (device: GpuDeviceView) => number): string | undefined {
  let best: { invokerId: string; leftover: number } | undefined;
  for (const candidate of candidates) {
    const free = candidate.devices.map(room);
    const chosen = bestFitDevices(free, gpu.memory, gpu.count);
    if (!chosen) continue;
    const leftover = chosen.reduce((sum, position) => sum + free[position]! - gpu.memory, 0);
    if (!best || leftover < best.leftover) best = { invokerId: candidate.invokerId, leftover };
  }
  return best?.invokerId;
}

/**
 * Takes reservations not yet reflected in a heartbeat off the devices' free memory, each where
 * the invoker would most likely put it (best fit), so a burst spreads as it will on the invoker.
 */
export function lessReservations(devices: readonly GpuDeviceView[], reserved: readonly GpuLimit[]): GpuDeviceView[] {
  const out = devices.map((device) => ({ ...device }));
  for (const reservation of reserved) {
    const chosen = bestFitDevices(out.map((d) => d.freeMb), reservation.memory, reservation.count) ?? bestFitDevices(out.map((d) => d.freeMb + d.idleMb), reservation.memory, reservation.count);
    for (const position of chosen ?? []) {
      const device = out[position]!;
      const fromFree = Math.min(device.freeMb, reservation.memory);
      out[position] = { ...device, freeMb: device.freeMb - fromFree, idleMb: device.idleMb - (reservation.memory - fromFree) };
    }
  }
  return out;
}
