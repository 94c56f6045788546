import fc from 'fast-check';
import { GpuLedger } from './gpu-ledger';

const devices = [
  { index: 0, uuid: 'GPU-a', name: 'A', memoryMb: 16_000 },
  { index: 1, uuid: 'GPU-b', name: 'B', memoryMb: 24_000 },
];

describe('GpuLedger', () => {
  it('reserves best fit and never overcommits a device', () => {
    const ledger = new GpuLedger(devices);
    expect(ledger.allocate('c1', { memory: 10_000, count: 1 })?.map((d) => d.uuid)).toEqual(['GPU-a']);
    expect(ledger.allocate('c2', { memory: 10_000, count: 1 })?.map((d) => d.uuid)).toEqual(['GPU-b']);
    expect(ledger.allocate('c3', { memory: 10_000, count: 1 })?.map((d) => d.uuid)).toEqual(['GPU-b']);
    expect(ledger.allocate('c4', { memory: 10_000, count: 1 })).toBeUndefined();
    expect(ledger.freeMb()).toEqual([6000, 4000]);
    expect(ledger.fitsWithout({ memory: 10_000, count: 1 }, ['c2'])).toBe(true);
    expect(ledger.release('c2')).toBe(true);
    expect(ledger.release('c2')).toBe(false);
    expect(ledger.allocate('c4', { memory: 10_000, count: 1 })?.map((d) => d.uuid)).toEqual(['GPU-b']);
  });

  it('takes several devices for a count, and refuses what could never fit', () => {
    const ledger = new GpuLedger(devices);
    expect(ledger.canEverFit({ memory: 16_000, count: 2 })).toBe(true);
    expect(ledger.canEverFit({ memory: 16_001, count: 2 })).toBe(false);
    expect(ledger.canEverFit({ memory: 1, count: 3 })).toBe(false);
    expect(ledger.allocate('c1', { memory: 8000, count: 2 })?.map((d) => d.index)).toEqual([0, 1]);
    expect(ledger.heldBy('c1')).toEqual({ devices: devices, memoryMb: 8000 });
  });

  it('never hands out memory something else used when the GPUs were detected', () => {
    const ledger = new GpuLedger([{ ...devices[0]!, usedOutsideMb: 6000 }]);
    expect(ledger.canEverFit({ memory: 12_000, count: 1 })).toBe(false);
    expect(ledger.allocate('c1', { memory: 10_000, count: 1 })).toBeDefined();
    expect(ledger.freeMb()).toEqual([0]);
  });

  it('keeps every device within its memory and accounts every holder under any sequence (property)', () => {
    type Op = { op: 'allocate'; memory: number; count: number } | { op: 'release'; pick: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('allocate' as const), memory: fc.integer({ min: 1, max: 30_000 }), count: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ op: fc.constant('release' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 100 }), (ops) => {
        const ledger = new GpuLedger(devices);
        let seq = 0;
        for (const step of ops) {
          if (step.op === 'allocate') ledger.allocate(`c${++seq}`, step);
          else {
            const holders = ledger.holderIds();
            if (holders.length > 0) ledger.release(holders[step.pick % holders.length]!);
          }
          const free = ledger.freeMb();
          const held = ledger.heldMbBy(ledger.holderIds());
          devices.forEach((device, i) => {
            expect(free[i]).toBeGreaterThanOrEqual(0);
            expect(free[i]! + held[i]!).toBe(device.memoryMb);
          });
        }
        ledger.clear();
        expect(ledger.freeMb()).toEqual(devices.map((d) => d.memoryMb));
      }),
    );
  });
});
