import type { GpuDevice } from '../../common/entities/gpu';

// How a container is pinned to its devices (DESIGN.md §8, ADR 0024). Devices are named by uuid,
// which both the NVIDIA container runtime and CUDA accept and which, unlike an index, names the
// same device inside a container that sees only some of them.

/** Whether a Docker engine's `docker info` lists the NVIDIA runtime. */
export function hasNvidiaRuntime(info: { Runtimes?: Record<string, unknown> } | undefined): boolean {
  return Object.keys(info?.Runtimes ?? {}).some((name) => name === 'nvidia' || name.startsWith('nvidia-'));
}

/**
 * The environment a container gets: NVIDIA_VISIBLE_DEVICES (the NVIDIA runtime's selector) and
 * CUDA_VISIBLE_DEVICES for a Docker container; a local process sees every device of the host, so
 * CUDA_VISIBLE_DEVICES alone pins it. A container without devices gets neither.
 */
export function gpuEnv(gpus: readonly GpuDevice[] | undefined, factory: 'docker' | 'process'): Record<string, string> {
  if (!gpus || gpus.length === 0) return {};
  const ids = gpus.map((gpu) => gpu.uuid).join(',');
  return factory === 'docker' ? { NVIDIA_VISIBLE_DEVICES: ids, CUDA_VISIBLE_DEVICES: ids } : { CUDA_VISIBLE_DEVICES: ids };
}

/** Docker's `HostConfig.DeviceRequests` for the devices: what `docker run --gpus device=…` sends. */
export function gpuDeviceRequests(gpus: readonly GpuDevice[]): { Driver: string; DeviceIDs: string[]; Capabilities: string[][] }[] {
  return [{ Driver: 'nvidia', DeviceIDs: gpus.map((gpu) => gpu.uuid), Capabilities: [['gpu']] }];
}
