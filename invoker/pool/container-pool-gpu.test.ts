import fc from 'fast-check';
import { PoolState, type Admission, type PoolRequest } from './container-pool-state';

// The pool's GPU rules (DESIGN.md §8): device memory held from a GPU container's cold start until
// it leaves the pool by any path, never overcommitted, idle GPU containers evicted least recently
// used when a new one needs their memory.

const GPUS = [
  { index: 0, uuid: 'GPU-a', name: 'A', memoryMb: 16_000 },
  { index: 1, uuid: 'GPU-b', name: 'B', memoryMb: 24_000 },
];
const gpuRequest = (requestId: string, key: string, memory: number, count = 1): PoolRequest => ({
  requestId,
  key,
  memoryMb: 256,
  maxConcurrent: 1,
  gpu: { memory, count },
  placementKey: `guest guest/${key}`,
});
const entryOf = (admission: Admission): string => {
  if (admission.kind !== 'cold' && admission.kind !== 'warm') throw new Error(`expected an entry, got ${admission.kind}`);
  return admission.entryId;
};

describe('PoolState with GPUs', () => {
  it('pins a cold GPU container to its best-fit device, and reuses it warm for the same key', () => {
    const pool = new PoolState(4096, GPUS);
    const first = entryOf(pool.request(gpuRequest('r1', 'llm', 20_000), 0));
    expect(pool.gpuDevicesOf(first)?.map((d) => d.uuid)).toEqual(['GPU-b']);
    pool.markReady(first);
    expect(pool.gpuWarm()).toEqual([]);
    expect(pool.release(first, true, 1)).toBe('kept');
    expect(pool.gpuWarm()).toEqual(['guest guest/llm']);
    expect(pool.gpuStatus()).toEqual([
      { ...GPUS[0], freeMemoryMb: 16_000, idleMemoryMb: 0 },
      { ...GPUS[1], freeMemoryMb: 4000, idleMemoryMb: 20_000 },
    ]);
    expect(pool.request(gpuRequest('r2', 'llm', 20_000), 2)).toEqual({ kind: 'warm', entryId: first });
    expect(pool.gpuWarm()).toEqual([]);
  });

  it('refuses what no device could hold, and takes no stem cell for a GPU request', () => {
    const pool = new PoolState(4096, GPUS);
    expect(pool.request(gpuRequest('r1', 'big', 30_000), 0)).toEqual({ kind: 'too-large' });
    expect(pool.request(gpuRequest('r2', 'two', 16_000, 3), 0)).toEqual({ kind: 'too-large' });
    expect(new PoolState(4096).request(gpuRequest('r3', 'any', 1), 0)).toEqual({ kind: 'too-large' });
    const stem = pool.addStem('nodejs:256', 256, 0)!;
    pool.stemReady(stem, 0);
    expect(pool.request({ ...gpuRequest('r4', 'llm', 1000), stemKey: 'nodejs:256' }, 1)).toMatchObject({ kind: 'cold' });
    expect(pool.entry(stem)?.stem).toBe('nodejs:256');
  });

  it('evicts idle GPU containers least recently used first until the devices fit', () => {
    const pool = new PoolState(4096, GPUS);
    const a = entryOf(pool.request(gpuRequest('r1', 'a', 14_000), 0)); // GPU-a
    const b = entryOf(pool.request(gpuRequest('r2', 'b', 12_000), 0)); // GPU-b
    const c = entryOf(pool.request(gpuRequest('r3', 'c', 10_000), 0)); // GPU-b
    for (const [id, at] of [[b, 1], [a, 2], [c, 3]] as const) pool.release(id, true, at);
    // 16 GB needs GPU-a emptied (14 GB idle there) or 14 GB more on GPU-b (2 free): the LRU, b, goes first, then a.
    const admission = pool.request(gpuRequest('r4', 'd', 16_000), 4);
    expect(admission).toMatchObject({ kind: 'cold', evicted: [b, a] });
    expect(pool.entry(c)).toBeDefined();
    expect(pool.gpuStatus().map((d) => d.freeMemoryMb)).toEqual([0, 14_000]);
  });

  it('queues a GPU request while busy containers hold the devices, and admits it when one leaves', () => {
    const pool = new PoolState(4096, [GPUS[0]!]);
    const busy = entryOf(pool.request(gpuRequest('r1', 'a', 10_000), 0));
    expect(pool.request(gpuRequest('r2', 'b', 10_000), 0)).toEqual({ kind: 'queued' });
    // A failed activation (crash, timeout, OOM) drops its container: the device memory comes back.
    expect(pool.release(busy, false, 1)).toBe('removed');
    expect(pool.pump(1)).toEqual([{ requestId: 'r2', admission: expect.objectContaining({ kind: 'cold' }) }]);
  });

  it('keeps idle GPU containers for their own idle time, then frees their devices', () => {
    const pool = new PoolState(4096, GPUS);
    const gpu = entryOf(pool.request(gpuRequest('r1', 'a', 8000), 0));
    const cpu = entryOf(pool.request({ requestId: 'r2', key: 'cpu', memoryMb: 256, maxConcurrent: 1 }, 0));
    pool.release(gpu, true, 0);
    pool.release(cpu, true, 0);
    expect(pool.expireIdle(100, 100, 1000)).toEqual([cpu]);
    expect(pool.expireIdle(1000, 100, 1000)).toEqual([gpu]);
    expect(pool.gpuStatus().map((d) => d.freeMemoryMb)).toEqual([16_000, 24_000]);
  });

  it('keeps the keepWarm most recently used idle containers of an action past the idle time, yet evicts them for memory', () => {
    const pool = new PoolState(4096, [GPUS[0]!]);
    const keep = { memory: 6000, count: 1, keepWarm: 1 };
    const a = entryOf(pool.request({ ...gpuRequest('r1', 'llm', 6000), gpu: keep }, 0));
    const b = entryOf(pool.request({ ...gpuRequest('r2', 'llm', 6000), gpu: keep }, 0));
    pool.release(a, true, 1);
    pool.release(b, true, 2);
    expect(pool.expireIdle(10_000, 100, 100)).toEqual([a]);
    expect(pool.expireIdle(20_000, 100, 100)).toEqual([]);
    expect(pool.request(gpuRequest('r3', 'other', 16_000), 20_001)).toMatchObject({ kind: 'cold', evicted: [b] });
  });

  type Op =
    | { op: 'request'; key: number; memory: number; count: number }
    | { op: 'initialized'; pick: number }
    | { op: 'release'; pick: number; reusable: boolean }
    | { op: 'expire'; advance: number };

  it('never overcommits a device and gives back every reservation, whichever way containers leave (property)', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      { arbitrary: fc.record({ op: fc.constant('request' as const), key: fc.integer({ min: 0, max: 5 }), memory: fc.constantFrom(2000, 6000, 12_000, 16_000), count: fc.constantFrom(1, 1, 2) }), weight: 3 },
      fc.record({ op: fc.constant('initialized' as const), pick: fc.nat() }),
      { arbitrary: fc.record({ op: fc.constant('release' as const), pick: fc.nat(), reusable: fc.boolean() }), weight: 2 },
      fc.record({ op: fc.constant('expire' as const), advance: fc.integer({ min: 0, max: 50 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), (ops) => {
        const pool = new PoolState(2048, GPUS);
        const holders = new Map<string, string>(); // requestId → entryId
        const waiting = new Set<string>();
        let now = 0;
        let seq = 0;
        const take = (requestId: string, admission: Admission) => {
          if (admission.kind === 'cold' || admission.kind === 'warm') holders.set(requestId, admission.entryId);
          else if (admission.kind === 'queued') waiting.add(requestId);
        };
        const pump = () => {
          for (const { requestId, admission } of pool.pump(now)) {
            waiting.delete(requestId);
            take(requestId, admission);
          }
        };
        const check = () => {
          const status = pool.gpuStatus();
          const held = GPUS.map(() => 0);
          for (const id of pool.entryIds()) {
            const entry = pool.entry(id)!;
            const devices = pool.gpuDevicesOf(id);
            // A GPU container holds its devices for as long as it exists; no other entry holds any.
            expect(devices !== undefined).toBe(entry.gpu !== undefined);
            for (const device of devices ?? []) held[GPUS.findIndex((g) => g.uuid === device.uuid)]! += Number(entry.gpu && JSON.parse(entry.key).memory);
          }
          status.forEach((device, i) => {
            expect(device.freeMemoryMb).toBeGreaterThanOrEqual(0);
            expect(device.freeMemoryMb + held[i]!).toBe(GPUS[i]!.memoryMb);
          });
        };
        for (const step of ops) {
          now += 1;
          if (step.op === 'request') {
            const requestId = `r${++seq}`;
            const key = JSON.stringify({ key: step.key, memory: step.memory, count: step.count });
            take(requestId, pool.request({ requestId, key, memoryMb: 256, maxConcurrent: 1, gpu: { memory: step.memory, count: step.count } }, now));
          } else if (step.op === 'initialized') {
            const ids = [...holders.values()];
            if (ids.length > 0 && pool.markReady(ids[step.pick % ids.length]!)) pump();
          } else if (step.op === 'release') {
            const entries = [...holders.entries()];
            if (entries.length === 0) continue;
            const [requestId, entryId] = entries[step.pick % entries.length]!;
            holders.delete(requestId);
            pool.release(entryId, step.reusable, now);
            pump();
          } else {
            now += step.advance;
            if (pool.expireIdle(now, 20, 40).length > 0) pump();
          }
          check();
        }
        // Every activation ends (by failure, say): nothing stays waiting; once idle ones are removed, no device memory stays held.
        while (holders.size > 0) {
          const [requestId, entryId] = [...holders.entries()][0]!;
          holders.delete(requestId);
          pool.release(entryId, false, ++now);
          pump();
          check();
        }
        expect(waiting.size).toBe(0);
        // Warm ones hold their models until they are removed.
        pool.expireIdle(now + 1000, 0, 0);
        check();
        expect(pool.entryIds()).toEqual([]);
        expect(pool.gpuStatus().map((d) => d.freeMemoryMb)).toEqual(GPUS.map((g) => g.memoryMb));
      }),
      { numRuns: 200 },
    );
  });
});
