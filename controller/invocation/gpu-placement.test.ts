import fc from 'fast-check';
import { lessReservations, placeGpu, type GpuCandidate, type GpuDeviceView } from './gpu-placement';

const device = (memoryMb: number, freeMb = memoryMb, idleMb = 0): GpuDeviceView => ({ memoryMb, freeMb, idleMb });
const candidate = (invokerId: string, devices: GpuDeviceView[], warm = false): GpuCandidate => ({ invokerId, devices, warm });

describe('placeGpu', () => {
  it('answers none, with the largest device, when no invoker could ever hold the action', () => {
    expect(placeGpu([candidate('invoker0', [])], { memory: 1000, count: 1 })).toEqual({ kind: 'none', largestMb: 0 });
    expect(placeGpu([candidate('invoker0', [device(16_000)]), candidate('invoker1', [])], { memory: 20_000, count: 1 })).toEqual({ kind: 'none', largestMb: 16_000 });
    // Two devices asked, one has them.
    expect(placeGpu([candidate('invoker0', [device(16_000)])], { memory: 1000, count: 2 })).toMatchObject({ kind: 'none' });
  });

  it('prefers an invoker with the action warm, even over one that fits better', () => {
    const placement = placeGpu([candidate('invoker0', [device(80_000)]), candidate('invoker1', [device(16_000, 0, 16_000)], true)], { memory: 12_000, count: 1 });
    expect(placement).toEqual({ kind: 'chosen', invokerId: 'invoker1', why: 'warm' });
  });

  it('then the best fit: the least memory left over, so large actions still find room', () => {
    const candidates = [candidate('invoker0', [device(80_000)]), candidate('invoker1', [device(24_000, 20_000)]), candidate('invoker2', [device(16_000, 4000)])];
    expect(placeGpu(candidates, { memory: 8000, count: 1 })).toEqual({ kind: 'chosen', invokerId: 'invoker1', why: 'fits' });
    expect(placeGpu(candidates, { memory: 4000, count: 1 })).toEqual({ kind: 'chosen', invokerId: 'invoker2', why: 'fits' });
    expect(placeGpu(candidates, { memory: 40_000, count: 1 })).toEqual({ kind: 'chosen', invokerId: 'invoker0', why: 'fits' });
  });

  it('evicts idle models only when nothing has the memory free', () => {
    const candidates = [candidate('invoker0', [device(16_000, 2000, 14_000)]), candidate('invoker1', [device(16_000, 10_000)])];
    expect(placeGpu(candidates, { memory: 8000, count: 1 })).toMatchObject({ invokerId: 'invoker1', why: 'fits' });
    expect(placeGpu(candidates, { memory: 12_000, count: 1 })).toMatchObject({ invokerId: 'invoker0', why: 'fits-after-eviction' });
  });

  it('queues on the first eligible invoker in probe order when all are full, rather than refusing', () => {
    const candidates = [candidate('invoker0', []), candidate('invoker1', [device(16_000, 0)]), candidate('invoker2', [device(16_000, 1000)])];
    expect(placeGpu(candidates, { memory: 8000, count: 1 })).toEqual({ kind: 'chosen', invokerId: 'invoker1', why: 'queued' });
  });

  it('never chooses an invoker whose devices could not hold the action', () => {
    const devices = fc.array(fc.record({ memoryMb: fc.integer({ min: 1, max: 100 }), free: fc.nat(100), idle: fc.nat(100) }), { maxLength: 4 });
    fc.assert(
      fc.property(fc.array(fc.tuple(devices, fc.boolean()), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 3 }), (fleet, memory, count) => {
        const candidates = fleet.map(([ds, warm], i) => candidate(`invoker${i}`, ds.map((d) => device(d.memoryMb, Math.min(d.free, d.memoryMb), Math.min(d.idle, d.memoryMb - Math.min(d.free, d.memoryMb)))), warm));
        const placement = placeGpu(candidates, { memory, count });
        const eligible = candidates.filter((c) => c.devices.filter((d) => d.memoryMb >= memory).length >= count);
        if (eligible.length === 0) expect(placement.kind).toBe('none');
        else {
          expect(placement.kind).toBe('chosen');
          if (placement.kind === 'chosen') expect(eligible.map((c) => c.invokerId)).toContain(placement.invokerId);
        }
      }),
    );
  });
});

describe('lessReservations', () => {
  it('takes each reservation off the device it best fits, from free memory first', () => {
    expect(lessReservations([device(16_000, 16_000), device(16_000, 9000)], [{ memory: 8000, count: 1 }])).toEqual([device(16_000, 16_000), device(16_000, 1000)]);
    expect(lessReservations([device(16_000, 2000, 14_000)], [{ memory: 8000, count: 1 }])).toEqual([device(16_000, 0, 8000)]);
  });
});
