// GPUs (DESIGN.md §8, ADR 0024): what an invoker has and what an action asks for. An action
// without `limits.gpu` never gets a device; one with it runs only where a device has the memory.

/** One device of an invoker, as declared (WISP_INVOKER_GPUS) or detected (nvidia-smi). */
export interface GpuDevice {
  readonly index: number;
  /** e.g. `GPU-8f6c…`; what containers are pinned by (NVIDIA_VISIBLE_DEVICES, CUDA_VISIBLE_DEVICES). */
  readonly uuid: string;
  readonly name: string;
  /** Total device memory. */
  readonly memoryMb: number;
}

/** A device in a heartbeat. */
export interface GpuDeviceStatus extends GpuDevice {
  /** Not reserved by any container of the invoker (nor, when detected, used by anything else at start). */
  readonly freeMemoryMb: number;
  /** Reserved by warm containers that are idle: theirs until evicted for a new action (least recently used first). */
  readonly idleMemoryMb: number;
}

/** `limits.gpu`: device memory per device, on `count` devices. */
export interface GpuLimit {
  readonly memory: number; // MB per device
  readonly count: number;
  /** Idle containers of the action (per invoker) kept past the idle time; still evicted when a device's memory is needed. */
  readonly keepWarm?: number;
}

/** The most containers `limits.gpu.keepWarm` may keep per invoker. */
export const MAX_GPU_KEEP_WARM = 16;

/** The system maximum of `limits.gpu` (controller config). */
export interface GpuBounds {
  readonly maxMemory: number;
  readonly maxCount: number;
}

export const DEFAULT_GPU_BOUNDS: GpuBounds = { maxMemory: 81_920, maxCount: 8 };

/** What the heartbeat advertises of a warm GPU container, and what placement looks it up by. */
export function gpuPlacementKey(invokingNamespace: string, actionPath: string): string {
  return `${invokingNamespace} ${actionPath}`;
}

/**
 * Devices (by position in `free`) that take `memoryMb` each on `count` devices, best fit: the
 * devices with the least free memory that still fit, so large requests still find room.
 * Undefined when fewer than `count` devices have the memory.
 */
export function bestFitDevices(free: readonly number[], memoryMb: number, count: number): number[] | undefined {
  const fitting = free
    .map((freeMb, position) => ({ freeMb, position }))
    .filter((device) => device.freeMb >= memoryMb)
    .sort((a, b) => a.freeMb - b.freeMb || a.position - b.position);
  if (fitting.length < count) return undefined;
  return fitting.slice(0, count).map((device) => device.position);
}
