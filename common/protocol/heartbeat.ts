import type { GpuDeviceStatus } from '../entities/gpu';
import type { ConsumerHealth } from '../spi/message-bus';

// Invoker → every controller, once a second over the signal bus. Three missed beats mark an
// invoker down; a consumer whose last fetch is old marks it unhealthy (DESIGN.md §7).
//
// Version 2 adds the invoker's GPUs with their free memory, and the actions whose GPU containers
// are warm and idle (DESIGN.md §8). A version 1 beat, from an invoker not yet upgraded during a
// rolling deploy, still decodes: as an invoker without GPUs.

export const HEARTBEAT_INTERVAL_MS = 1000;

/** An invoker's containers by state, as its pool counts them (optional in a beat: older invokers omit it). */
export type PoolCensusState = 'prewarmed' | 'starting' | 'busy' | 'idle' | 'paused';
export type PoolCensus = Readonly<Record<PoolCensusState, number>>;
const CENSUS_STATES: readonly PoolCensusState[] = ['prewarmed', 'starting', 'busy', 'idle', 'paused'];
export const HEARTBEAT_VERSION = 2;

export interface Heartbeat {
  readonly v: typeof HEARTBEAT_VERSION;
  readonly invokerId: string;
  readonly sentAt: number;
  readonly userMemoryMb: number;
  readonly freeMemoryMb: number;
  readonly consumer: ConsumerHealth;
  readonly gpus: readonly GpuDeviceStatus[];
  /** gpuPlacementKey (common/entities/gpu.ts) of every GPU container initialised and idle: its model is loaded. */
  readonly gpuWarm: readonly string[];
  readonly pool?: PoolCensus;
}

export function encodeHeartbeat(beat: Heartbeat): Buffer {
  return Buffer.from(JSON.stringify(beat));
}

export function decodeHeartbeat(raw: Buffer): Heartbeat | undefined {
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    if ((parsed.v !== 1 && parsed.v !== 2) || typeof parsed.invokerId !== 'string' || typeof parsed.sentAt !== 'number') return undefined;
    if (typeof parsed.freeMemoryMb !== 'number' || typeof parsed.userMemoryMb !== 'number' || typeof parsed.consumer !== 'object' || parsed.consumer === null) return undefined;
    const gpus = parsed.v === 1 ? [] : parsed.gpus;
    const gpuWarm = parsed.v === 1 ? [] : parsed.gpuWarm;
    if (!Array.isArray(gpus) || !gpus.every(isDeviceStatus)) return undefined;
    if (!Array.isArray(gpuWarm) || !gpuWarm.every((key) => typeof key === 'string')) return undefined;
    const { pool, ...rest } = parsed;
    return { ...(rest as unknown as Heartbeat), v: HEARTBEAT_VERSION, gpus, gpuWarm, ...(isCensus(pool) ? { pool } : {}) };
  } catch {
    return undefined;
  }
}

function isCensus(value: unknown): value is PoolCensus {
  if (typeof value !== 'object' || value === null) return false;
  const census = value as Record<string, unknown>;
  return CENSUS_STATES.every((state) => Number.isInteger(census[state]) && (census[state] as number) >= 0);
}

function isDeviceStatus(value: unknown): value is GpuDeviceStatus {
  if (typeof value !== 'object' || value === null) return false;
  const device = value as Record<string, unknown>;
  return (
    Number.isInteger(device.index) &&
    typeof device.uuid === 'string' &&
    typeof device.name === 'string' &&
    typeof device.memoryMb === 'number' &&
    typeof device.freeMemoryMb === 'number' &&
    typeof device.idleMemoryMb === 'number'
  );
}
