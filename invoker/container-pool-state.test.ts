import fc from 'fast-check';
import { PoolState, type Admission, type PoolRequest } from './container-pool-state';

const req = (requestId: string, key: string, memoryMb = 256): PoolRequest => ({ requestId, key, memoryMb, maxConcurrent: 1 });

describe('PoolState', () => {
  it('cold-starts, then reuses the warm container for the same key only', () => {
    const pool = new PoolState(1024);
    const first = pool.request(req('r1', 'a'), 1);
    expect(first).toEqual({ kind: 'cold', entryId: 'c1', evicted: [] });
    expect(pool.release('c1', true, 2)).toBe('kept');
    expect(pool.request(req('r2', 'b'), 3)).toMatchObject({ kind: 'cold', entryId: 'c2' });
    expect(pool.request(req('r3', 'a'), 4)).toEqual({ kind: 'warm', entryId: 'c1' });
  });

  it('never hands a starting container to a second activation', () => {
    const pool = new PoolState(1024);
    pool.request(req('r1', 'a'), 1);
    expect(pool.request(req('r2', 'a'), 2)).toMatchObject({ kind: 'cold', entryId: 'c2' });
  });

  it('evicts the least recently used idle containers to make room', () => {
    const pool = new PoolState(512);
    pool.request(req('r1', 'a'), 1);
    pool.request(req('r2', 'b'), 2);
    pool.release('c2', true, 3);
    pool.release('c1', true, 4);
    expect(pool.request(req('r3', 'c'), 5)).toEqual({ kind: 'cold', entryId: 'c3', evicted: ['c2'] });
    expect(pool.request(req('r4', 'd', 512), 6)).toEqual({ kind: 'queued' });
  });

  it('queues when nothing can be freed and admits in FIFO order as memory frees', () => {
    const pool = new PoolState(512);
    pool.request(req('r1', 'a'), 1);
    pool.request(req('r2', 'b'), 1);
    expect(pool.request(req('r3', 'c', 512), 2)).toEqual({ kind: 'queued' });
    // r4 would fit once one container frees, but must not jump ahead of r3.
    expect(pool.request(req('r4', 'd'), 3)).toEqual({ kind: 'queued' });
    pool.release('c1', false, 4);
    expect(pool.pump(4)).toEqual([]);
    pool.release('c2', true, 5);
    expect(pool.pump(5)).toEqual([{ requestId: 'r3', admission: { kind: 'cold', entryId: 'c3', evicted: ['c2'] } }]);
    pool.release('c3', false, 6);
    expect(pool.pump(6)).toEqual([{ requestId: 'r4', admission: { kind: 'cold', entryId: 'c4', evicted: [] } }]);
  });

  it('refuses what can never fit', () => {
    expect(new PoolState(256).request(req('r1', 'a', 512), 1)).toEqual({ kind: 'too-large' });
  });

  it('drops a failed container and frees its memory', () => {
    const pool = new PoolState(256);
    pool.request(req('r1', 'a'), 1);
    expect(pool.release('c1', false, 2)).toBe('removed');
    expect(pool.usedMb()).toBe(0);
    expect(pool.release('c1', true, 3)).toBe('unknown');
  });

  it('expires idle containers after the idle time, never busy ones', () => {
    const pool = new PoolState(1024);
    pool.request(req('r1', 'a'), 0);
    pool.request(req('r2', 'b'), 0);
    pool.release('c1', true, 100);
    expect(pool.expireIdle(150, 100)).toEqual([]);
    expect(pool.expireIdle(200, 100)).toEqual(['c1']);
    expect(pool.expireIdle(10000, 100)).toEqual([]);
    expect(pool.entryIds()).toEqual(['c2']);
  });

  it('reports available memory net of busy containers and waiting requests', () => {
    const pool = new PoolState(1024);
    pool.request(req('r1', 'a', 512), 0);
    pool.request(req('r2', 'b', 256), 0);
    pool.release('c2', true, 1);
    expect(pool.availableMb()).toBe(512);
    pool.request(req('r3', 'c', 512), 2); // evicts nothing: 256 free + 256 idle fits it
    expect(pool.availableMb()).toBe(0);
    pool.request(req('r4', 'd', 256), 3);
    expect(pool.waitingCount()).toBe(1);
    expect(pool.availableMb()).toBe(0);
  });

  type Op =
    | { op: 'request'; key: number; memoryMb: number }
    | { op: 'release'; pick: number; reusable: boolean }
    | { op: 'expire'; advance: number };

  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('request' as const), key: fc.integer({ min: 0, max: 4 }), memoryMb: fc.constantFrom(128, 256, 512, 1024) }),
    fc.record({ op: fc.constant('release' as const), pick: fc.nat(), reusable: fc.boolean() }),
    fc.record({ op: fc.constant('expire' as const), advance: fc.integer({ min: 0, max: 50 }) }),
  );

  it('never exceeds capacity and accounts for every container handed out (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(1024, 1536, 2048), fc.array(opArb, { maxLength: 200 }), (capacity, ops) => {
        const pool = new PoolState(capacity);
        const holders = new Map<string, string>(); // requestId → entryId
        const keys = new Map<string, string>(); // requestId → key
        let now = 0;
        let seq = 0;

        const admit = (requestId: string, admission: Admission) => {
          if (admission.kind === 'warm' || admission.kind === 'cold') {
            const entry = pool.entry(admission.entryId);
            expect(entry?.key).toBe(keys.get(requestId));
            if (admission.kind === 'cold') for (const id of admission.evicted) expect([...holders.values()]).not.toContain(id);
            holders.set(requestId, admission.entryId);
          }
        };
        const check = () => {
          expect(pool.usedMb()).toBeLessThanOrEqual(capacity);
          let active = 0;
          for (const id of pool.entryIds()) {
            const entry = pool.entry(id)!;
            expect(entry.active).toBeLessThanOrEqual(entry.maxConcurrent);
            active += entry.active;
          }
          expect(active).toBe(holders.size);
        };
        const releaseOne = (requestId: string, reusable: boolean) => {
          const entryId = holders.get(requestId)!;
          holders.delete(requestId);
          pool.release(entryId, reusable, now);
          for (const { requestId: admitted, admission } of pool.pump(now)) admit(admitted, admission);
        };

        for (const op of ops) {
          now += 1;
          if (op.op === 'request') {
            const requestId = `r${++seq}`;
            keys.set(requestId, `k${op.key}`);
            admit(requestId, pool.request({ requestId, key: `k${op.key}`, memoryMb: op.memoryMb, maxConcurrent: 1 }, now));
          } else if (op.op === 'release' && holders.size > 0) {
            const requestId = [...holders.keys()][op.pick % holders.size]!;
            releaseOne(requestId, op.reusable);
          } else if (op.op === 'expire') {
            now += op.advance;
            pool.expireIdle(now, 20);
            for (const { requestId, admission } of pool.pump(now)) admit(requestId, admission);
          }
          check();
        }

        // Liveness: releasing everything admits every waiting request, and then the pool empties.
        while (holders.size > 0) {
          releaseOne([...holders.keys()][0]!, true);
          check();
        }
        expect(pool.waitingCount()).toBe(0);
        pool.expireIdle(now + 1000, 20);
        expect(pool.usedMb()).toBe(0);
        expect(pool.entryIds()).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
