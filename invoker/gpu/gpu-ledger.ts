import { bestFitDevices, type GpuDevice, type GpuLimit } from '../../common/entities/gpu';

// The invoker's per-device GPU memory ledger (DESIGN.md §8, ADR 0024), free of I/O. A holder (a
// pool entry: one container) reserves `memory` on each of `count` devices, chosen best fit, and
// holds it for as long as the container exists, since a loaded model stays in device memory
// while the container is warm. An allocation that would overcommit a device is refused: the
// caller evicts idle holders or waits. Memory something outside Wisp used when the inventory
// was detected is never handed out.

export interface LedgerDevice extends GpuDevice {
  /** Used by something else when the invoker started (detected GPUs); 0 when declared. */
  readonly usedOutsideMb?: number;
}

export class GpuLedger {
  private readonly free: number[];
  private readonly holders = new Map<string, { readonly positions: readonly number[]; readonly memoryMb: number }>();

  constructor(readonly devices: readonly LedgerDevice[]) {
    this.free = devices.map((device) => Math.max(0, device.memoryMb - (device.usedOutsideMb ?? 0)));
  }

  /** Whether the request could be held were nothing else held. */
  canEverFit(limit: GpuLimit): boolean {
    return bestFitDevices(this.devices.map((d) => Math.max(0, d.memoryMb - (d.usedOutsideMb ?? 0))), limit.memory, limit.count) !== undefined;
  }

  /** Whether it fits now once `without` (holders about to be evicted) let go. */
  fitsWithout(limit: GpuLimit, without: Iterable<string> = []): boolean {
    const free = [...this.free];
    for (const holderId of without) {
      const held = this.holders.get(holderId);
      for (const position of held?.positions ?? []) free[position]! += held!.memoryMb;
    }
    return bestFitDevices(free, limit.memory, limit.count) !== undefined;
  }

  /** Reserves for `holderId`; the devices taken, or undefined (nothing changed) when it does not fit. */
  allocate(holderId: string, limit: GpuLimit): GpuDevice[] | undefined {
    if (this.holders.has(holderId)) throw new Error(`GPU holder ${holderId} already holds devices`);
    const positions = bestFitDevices(this.free, limit.memory, limit.count);
    if (!positions) return undefined;
    for (const position of positions) this.free[position]! -= limit.memory;
    this.holders.set(holderId, { positions, memoryMb: limit.memory });
    return positions.map((position) => this.devices[position]!);
  }

  /** Gives the holder's memory back; false when it held nothing (idempotent). */
  release(holderId: string): boolean {
    const held = this.holders.get(holderId);
    if (!held) return false;
    for (const position of held.positions) this.free[position]! += held.memoryMb;
    this.holders.delete(holderId);
    return true;
  }

  /** The devices a holder holds (in the order taken), or undefined. */
  heldBy(holderId: string): { devices: GpuDevice[]; memoryMb: number } | undefined {
    const held = this.holders.get(holderId);
    return held && { devices: held.positions.map((position) => this.devices[position]!), memoryMb: held.memoryMb };
  }

  holderIds(): string[] {
    return [...this.holders.keys()];
  }

  /** Free memory of each device, in inventory order. */
  freeMb(): number[] {
    return [...this.free];
  }

  /** Memory each device's holders in `holderIds` hold, in inventory order. */
  heldMbBy(holderIds: Iterable<string>): number[] {
    const held = this.devices.map(() => 0);
    for (const holderId of holderIds) {
      const holder = this.holders.get(holderId);
      for (const position of holder?.positions ?? []) held[position]! += holder!.memoryMb;
    }
    return held;
  }

  clear(): void {
    for (const holderId of [...this.holders.keys()]) this.release(holderId);
  }
}
