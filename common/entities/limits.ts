import { DEFAULT_GPU_BOUNDS, type GpuBounds, type GpuLimit } from './gpu';

// Action limits and their bounds (DESIGN.md §4). Memory's system maximum is configurable.

export interface ActionLimits {
  readonly timeout: number; // ms
  readonly memory: number; // MB
  readonly logs: number; // MB
  readonly concurrency: number;
  /** Device memory and count (DESIGN.md §8); absent: the action never gets a GPU. */
  readonly gpu?: GpuLimit;
}

export interface LimitBounds {
  readonly timeout: { min: number; max: number };
  readonly memory: { min: number; max: number };
  readonly logs: { min: number; max: number };
  readonly concurrency: { min: number; max: number };
  /** System maxima of `limits.gpu` (namespaces do not narrow them). */
  readonly gpu: GpuBounds;
}

export const DEFAULT_LIMITS: ActionLimits = { timeout: 60000, memory: 256, logs: 10, concurrency: 1 };

/**
 * `maxConcurrency` is OpenWhisk's whisk.concurrency-limit.max: 1 by default, so no action runs
 * two activations in one container until an operator raises it (only nodejs kinds then may).
 */
export function defaultBounds(maxMemoryMb = 512, maxConcurrency = 1, gpu: GpuBounds = DEFAULT_GPU_BOUNDS): LimitBounds {
  return {
    timeout: { min: 100, max: 300000 },
    memory: { min: 128, max: maxMemoryMb },
    logs: { min: 0, max: 10 },
    concurrency: { min: 1, max: maxConcurrency },
    gpu,
  };
}
