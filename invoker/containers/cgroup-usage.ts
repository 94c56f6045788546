import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerUsage } from '../../common/spi/container-factory';

// A Docker container's CPU time and memory peak, read from the host's cgroup files (two small
// reads and one write per activation, no dockerd round trip: `docker stats` would cost two API
// calls and a one-second sample). Synchronous on purpose: these are kernel pseudo-files answered
// from memory in microseconds, where the promise API's thread-pool hops cost ~0.6 ms a read. Works where the invoker runs on the engine's host with
// /sys/fs/cgroup readable (cgroup v1 with the cgroupfs or systemd driver, or v2); elsewhere it
// finds no files and measures nothing, and the records say nothing.

interface CgroupFiles {
  /** Cumulative CPU time: v1 cpuacct.usage in ns, v2 cpu.stat's usage_usec. */
  readonly cpu: { readonly path: string; readonly unit: 'ns' | 'usec-stat' };
  /** The peak since it was last reset: v1 memory.max_usage_in_bytes, v2 memory.peak. */
  readonly peak: string;
}

/** Where this container's files are, for each layout Docker uses; the first that exists wins. */
export function cgroupCandidates(root: string, containerId: string): CgroupFiles[] {
  return [
    { cpu: { path: join(root, 'cpuacct', 'docker', containerId, 'cpuacct.usage'), unit: 'ns' }, peak: join(root, 'memory', 'docker', containerId, 'memory.max_usage_in_bytes') },
    { cpu: { path: join(root, 'cpuacct', 'system.slice', `docker-${containerId}.scope`, 'cpuacct.usage'), unit: 'ns' }, peak: join(root, 'memory', 'system.slice', `docker-${containerId}.scope`, 'memory.max_usage_in_bytes') },
    { cpu: { path: join(root, 'system.slice', `docker-${containerId}.scope`, 'cpu.stat'), unit: 'usec-stat' }, peak: join(root, 'system.slice', `docker-${containerId}.scope`, 'memory.peak') },
    { cpu: { path: join(root, 'docker', containerId, 'cpu.stat'), unit: 'usec-stat' }, peak: join(root, 'docker', containerId, 'memory.peak') },
  ];
}

/** cpu.stat's `usage_usec` line, in ns. */
export function cpuStatNanos(text: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith('usage_usec '));
  const usec = line ? Number(line.slice('usage_usec '.length)) : NaN;
  return Number.isFinite(usec) ? usec * 1000 : undefined;
}

export class CgroupUsage {
  /** null: looked, and there are none to read. */
  private files: CgroupFiles | null | undefined;
  /** Whether writing resets the peak here (v1 always; v2 from Linux 6.12); if not, no peak is reported. */
  private peakResets = true;

  constructor(
    private readonly containerId: string,
    private readonly root = '/sys/fs/cgroup',
  ) {}

  /** The CPU time so far, and the memory peak since the previous call, which restarts the peak. */
  async read(): Promise<ContainerUsage | undefined> {
    if (this.files === undefined) this.files = this.find() ?? null;
    const files = this.files;
    if (!files) return undefined;
    try {
      const cpuText = readFileSync(files.cpu.path, 'utf8');
      const cpuNanos = files.cpu.unit === 'ns' ? Number(cpuText.trim()) : cpuStatNanos(cpuText);
      if (cpuNanos === undefined || !Number.isFinite(cpuNanos)) return undefined;
      const peak = Number(readFileSync(files.peak, 'utf8').trim());
      const memoryPeakBytes = this.peakResets && Number.isFinite(peak) ? peak : undefined;
      try {
        writeFileSync(files.peak, '0');
        this.peakResets = true;
      } catch {
        this.peakResets = false;
      }
      return { cpuNanos, ...(memoryPeakBytes !== undefined ? { memoryPeakBytes } : {}) };
    } catch {
      // The container is gone, or its files with it.
      return undefined;
    }
  }

  private find(): CgroupFiles | undefined {
    for (const candidate of cgroupCandidates(this.root, this.containerId)) {
      try {
        readFileSync(candidate.cpu.path, 'utf8');
        return candidate;
      } catch {
        // not this layout
      }
    }
    return undefined;
  }
}
