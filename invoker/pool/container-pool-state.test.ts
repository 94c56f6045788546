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

  it('counts its containers by state for the metrics', () => {
    const pool = new PoolState(2048);
    const stem = pool.addStem('nodejs:256', 256, 1)!;
    expect(pool.census(() => false)).toEqual({ prewarmed: 0, starting: 1, busy: 0, idle: 0, paused: 0 });
    pool.stemReady(stem, 2);
    pool.request(req('r1', 'a'), 3); // c: starting
    pool.markReady('c2');
    pool.request(req('r2', 'b'), 4);
    pool.markReady('c3');
    pool.release('c3', true, 5); // idle
    pool.request(req('r3', 'c'), 6);
    pool.markReady('c4');
    pool.release('c4', true, 7); // idle, and paused below
    pool.request(req('r4', 'd'), 8); // starting
    expect(pool.census((entryId) => entryId === 'c4')).toEqual({ prewarmed: 1, starting: 1, busy: 1, idle: 1, paused: 1 });
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

  it('hands a ready stem cell of the matching key to a cold start, re-keyed', () => {
    const pool = new PoolState(1024);
    const stem = pool.addStem('nodejs:256', 256, 1)!;
    expect(pool.stemCount('nodejs:256')).toBe(1);
    // Still being created: not taken, a cold start instead.
    expect(pool.request({ ...req('r1', 'a'), stemKey: 'nodejs:256' }, 2)).toMatchObject({ kind: 'cold' });
    expect(pool.stemReady(stem, 3)).toBe(true);
    expect(pool.request({ ...req('r2', 'b'), stemKey: 'python:256' }, 4)).toMatchObject({ kind: 'cold' });
    expect(pool.request({ ...req('r3', 'c'), stemKey: 'nodejs:256' }, 5)).toEqual({ kind: 'prewarmed', entryId: stem });
    expect(pool.entry(stem)).toMatchObject({ key: 'c', active: 1, ready: false });
    expect(pool.entry(stem)?.stem).toBeUndefined();
    expect(pool.stemCount('nodejs:256')).toBe(0);
    expect(pool.usedMb()).toBe(768);
  });

  it('never hands a stem cell out as a warm container, nor expires it', () => {
    const pool = new PoolState(1024);
    const stem = pool.addStem('nodejs:256', 256, 0)!;
    pool.stemReady(stem, 0);
    expect(pool.request(req('r1', 'nodejs:256'), 1)).toMatchObject({ kind: 'cold' });
    expect(pool.expireIdle(100000, 10)).toEqual([]);
    expect(pool.stemCount('nodejs:256')).toBe(1);
  });

  it('reserves memory for stem cells only when it is free and nothing waits', () => {
    const pool = new PoolState(512);
    pool.request(req('r1', 'a'), 1);
    pool.release('c1', true, 2);
    expect(pool.addStem('nodejs:256', 256, 3)).toBeDefined();
    // The idle container is not evicted for a stem cell.
    expect(pool.addStem('nodejs:256', 256, 3)).toBeUndefined();
    expect(pool.availableMb()).toBe(256);
  });

  it('evicts an idle stem cell when a cold start needs its memory', () => {
    const pool = new PoolState(256);
    const stem = pool.addStem('nodejs:256', 256, 0)!;
    pool.stemReady(stem, 0);
    expect(pool.request(req('r1', 'a'), 1)).toEqual({ kind: 'cold', entryId: 'c2', evicted: [stem] });
    expect(pool.stemCount('nodejs:256')).toBe(0);
  });

  it('a stem cell whose creation failed frees its memory', () => {
    const pool = new PoolState(256);
    const stem = pool.addStem('nodejs:256', 256, 0)!;
    expect(pool.request(req('r1', 'a'), 1)).toEqual({ kind: 'queued' });
    expect(pool.release(stem, false, 2)).toBe('removed');
    expect(pool.stemReady(stem, 2)).toBe(false);
    expect(pool.pump(2)).toEqual([{ requestId: 'r1', admission: { kind: 'cold', entryId: 'c2', evicted: [] } }]);
  });

  it('restarts a held entry in place, keeping its memory, and never an idle one', () => {
    const pool = new PoolState(512);
    pool.request(req('r1', 'a'), 1);
    pool.release('c1', true, 2);
    expect(pool.restart('c1')).toBe(false);
    expect(pool.request(req('r2', 'a'), 3)).toEqual({ kind: 'warm', entryId: 'c1' });
    expect(pool.restart('c1')).toBe(true);
    expect(pool.entry('c1')).toMatchObject({ active: 1, ready: false });
    // Starting again: not handed out warm meanwhile.
    expect(pool.request(req('r3', 'a'), 4)).toMatchObject({ kind: 'cold', entryId: 'c2' });
    expect(pool.usedMb()).toBe(512);
  });

  it('restarts a lost shared container once: one holder starts the replacement, the others wait for it', () => {
    const pool = new PoolState(1024);
    const c = (id: string): PoolRequest => ({ ...req(id, 'a'), maxConcurrent: 3 });
    pool.request(c('r1'), 1);
    pool.markReady('c1');
    pool.release('c1', true, 2);
    expect(pool.request(c('r2'), 3)).toEqual({ kind: 'warm', entryId: 'c1' });
    const r3 = c('r3');
    expect(pool.request(r3, 4)).toEqual({ kind: 'warm', entryId: 'c1' });
    // Its resume failed: r2 replaces it, r3 waits; a second restart (r3 seeing the same loss) is refused.
    expect(pool.restart('c1', [r3])).toBe(true);
    expect(pool.restart('c1', [])).toBe(false);
    expect(pool.entry('c1')).toMatchObject({ active: 2, ready: false });
    expect(pool.entry('c1')?.joined).toEqual([r3]);
    // A newcomer joins the replacement's start too; nothing is handed out before it is initialised.
    expect(pool.request(c('r4'), 5)).toEqual({ kind: 'joined', entryId: 'c1' });
    expect(pool.pump(6)).toEqual([]);
    expect(pool.markReady('c1')).toBe(true);
    expect(pool.pump(7)).toEqual([
      { requestId: 'r3', admission: { kind: 'warm', entryId: 'c1' } },
      { requestId: 'r4', admission: { kind: 'warm', entryId: 'c1' } },
    ]);
    expect(pool.usedMb()).toBe(256);
  });

  it('queues the holders waiting for a replacement again when it fails to start', () => {
    const pool = new PoolState(512);
    const c = (id: string): PoolRequest => ({ ...req(id, 'a'), maxConcurrent: 3 });
    pool.request(c('r1'), 1);
    pool.markReady('c1');
    const r2 = c('r2');
    pool.request(r2, 2);
    expect(pool.restart('c1', [r2])).toBe(true);
    expect(pool.release('c1', false, 3)).toBe('removed');
    expect(pool.pump(3)).toEqual([{ requestId: 'r2', admission: { kind: 'cold', entryId: 'c2', evicted: [] } }]);
    expect(pool.usedMb()).toBe(256);
  });

  it('shares an initialised container up to its concurrency, then starts another', () => {
    const pool = new PoolState(1024);
    const c = (id: string) => ({ ...req(id, 'a'), maxConcurrent: 2 });
    expect(pool.request(c('r1'), 1)).toMatchObject({ kind: 'cold', entryId: 'c1' });
    expect(pool.markReady('c1')).toBe(true);
    expect(pool.request(c('r2'), 3)).toEqual({ kind: 'warm', entryId: 'c1' });
    expect(pool.entry('c1')).toMatchObject({ active: 2, ready: true });
    expect(pool.request(c('r3'), 4)).toMatchObject({ kind: 'cold', entryId: 'c2' });
    pool.release('c1', true, 5);
    expect(pool.request(c('r4'), 6)).toEqual({ kind: 'warm', entryId: 'c1' });
    // A stem cell or an idle entry is never marked ready this way.
    expect(pool.markReady('nope')).toBe(false);
  });

  it('lets requests join a starting container up to its concurrency, reserving no memory, and hands it to them once initialised', () => {
    const pool = new PoolState(1024);
    const c = (id: string, key = 'a'): PoolRequest => ({ ...req(id, key), maxConcurrent: 3 });
    expect(pool.request(c('r1'), 1)).toEqual({ kind: 'cold', entryId: 'c1', evicted: [] });
    expect(pool.request(c('r2'), 2)).toEqual({ kind: 'joined', entryId: 'c1' });
    expect(pool.request(c('r3'), 3)).toEqual({ kind: 'joined', entryId: 'c1' });
    expect(pool.usedMb()).toBe(256);
    expect(pool.entry('c1')).toMatchObject({ active: 3, ready: false });
    expect(pool.entry('c1')?.joined?.map((r) => r.requestId)).toEqual(['r2', 'r3']);
    // Full: the next one starts another; another key never joins.
    expect(pool.request(c('r4'), 4)).toMatchObject({ kind: 'cold', entryId: 'c2' });
    expect(pool.request(c('r5', 'b'), 5)).toMatchObject({ kind: 'cold', entryId: 'c3' });
    // Nothing is handed out before the first activation's /init succeeded.
    expect(pool.pump(6)).toEqual([]);
    expect(pool.markReady('c1')).toBe(true);
    expect(pool.pump(7)).toEqual([
      { requestId: 'r2', admission: { kind: 'warm', entryId: 'c1' } },
      { requestId: 'r3', admission: { kind: 'warm', entryId: 'c1' } },
    ]);
    expect(pool.entry('c1')).toMatchObject({ active: 3, ready: true });
    expect(pool.entry('c1')?.joined ?? []).toEqual([]);
    expect(pool.pump(8)).toEqual([]);
  });

  it('never joins a stem cell, a retiring container or a container that serves only one activation', () => {
    const pool = new PoolState(2048);
    const shared = (id: string): PoolRequest => ({ ...req(id, 'k'), maxConcurrent: 2 });
    expect(pool.request(req('r1', 'a'), 1)).toMatchObject({ kind: 'cold', entryId: 'c1' });
    expect(pool.request(req('r2', 'a'), 2)).toMatchObject({ kind: 'cold', entryId: 'c2' });
    pool.addStem('k', 256, 3);
    expect(pool.request(shared('r3'), 4)).toMatchObject({ kind: 'cold', entryId: 'c4' });
    expect(pool.markReady('c4')).toBe(true);
    expect(pool.request(shared('r4'), 5)).toEqual({ kind: 'warm', entryId: 'c4' });
    expect(pool.release('c4', false, 6)).toBe('retiring');
    expect(pool.request(shared('r5'), 7)).toMatchObject({ kind: 'cold', entryId: 'c5' });
  });

  it('queues the requests that joined a failed start again, at their place in line, each to start its own container', () => {
    const pool = new PoolState(768);
    const c = (id: string, key = 'a'): PoolRequest => ({ ...req(id, key), maxConcurrent: 3 });
    pool.request(c('r1'), 1);
    pool.request(c('r2'), 2);
    pool.request(c('r3'), 3);
    expect(pool.request(c('r4', 'b'), 4)).toMatchObject({ kind: 'cold', entryId: 'c2' });
    expect(pool.request(req('r5', 'x', 512), 5)).toEqual({ kind: 'queued' });
    // The first activation's start fails: its memory is freed, the joined requests go ahead of r5.
    expect(pool.release('c1', false, 6)).toBe('removed');
    expect(pool.waitingCount()).toBe(3);
    expect(pool.pump(6)).toEqual([
      { requestId: 'r2', admission: { kind: 'cold', entryId: 'c3', evicted: [] } },
      // Each starts its own: a broken action fails each /init once, no chain of joined retries.
      { requestId: 'r3', admission: { kind: 'cold', entryId: 'c4', evicted: [] } },
    ]);
    expect(pool.usedMb()).toBe(768);
    pool.release('c2', true, 7);
    expect(pool.pump(7)).toEqual([]);
    // r2's own start fails too: nobody joined it, so it goes alone.
    expect(pool.release('c3', false, 8)).toBe('removed');
    expect(pool.pump(8)).toEqual([{ requestId: 'r5', admission: { kind: 'cold', entryId: 'c5', evicted: ['c2'] } }]);
  });

  it('keeps arrival order among requests queued again after several failed starts', () => {
    const pool = new PoolState(512);
    const c = (id: string, key: string): PoolRequest => ({ ...req(id, key), maxConcurrent: 3 });
    pool.request(c('r1', 'a'), 1);
    pool.request(c('r2', 'a'), 2); // joins c1
    pool.request(c('r3', 'a'), 3); // joins c1
    pool.request(c('r4', 'b'), 4);
    pool.request(c('r5', 'b'), 5); // joins c2
    expect(pool.request(c('r6', 'z'), 6)).toEqual({ kind: 'queued' });
    // c1 fails: r2 takes its memory, r3 waits ahead of r6.
    pool.release('c1', false, 7);
    expect(pool.pump(7).map((a) => a.requestId)).toEqual(['r2']);
    // c2 fails: r5 arrived after r3, so it queues behind r3, not at the very front.
    pool.release('c2', false, 8);
    expect(pool.pump(8).map((a) => a.requestId)).toEqual(['r3']);
    expect(pool.waitingCount()).toBe(2);
    pool.release('c3', false, 9);
    expect(pool.pump(9).map((a) => a.requestId)).toEqual(['r5']);
    pool.release('c4', false, 10);
    expect(pool.pump(10).map((a) => a.requestId)).toEqual(['r6']);
  });

  it('hands the container to joined requests when the starter finishes well without having marked it ready', () => {
    const pool = new PoolState(1024);
    const c = (id: string): PoolRequest => ({ ...req(id, 'a'), maxConcurrent: 2 });
    pool.request(c('r1'), 1);
    pool.request(c('r2'), 2);
    expect(pool.release('c1', true, 3)).toBe('kept');
    expect(pool.pump(3)).toEqual([{ requestId: 'r2', admission: { kind: 'warm', entryId: 'c1' } }]);
    expect(pool.entry('c1')).toMatchObject({ active: 1, ready: true });
  });

  it('clears joined requests along with queued ones', () => {
    const pool = new PoolState(256);
    const c = (id: string): PoolRequest => ({ ...req(id, 'a'), maxConcurrent: 2 });
    pool.request(c('r1'), 1);
    pool.request(c('r2'), 2);
    pool.request(req('r3', 'b'), 3);
    expect(pool.clear()).toEqual({ entryIds: ['c1'], requestIds: ['r3', 'r2'] });
    expect(pool.pump(4)).toEqual([]);
  });

  it('retires a shared container in which one activation failed, and drops it when the last holder leaves', () => {
    const pool = new PoolState(1024);
    const shared = (requestId: string): PoolRequest => ({ requestId, key: 'k', memoryMb: 256, maxConcurrent: 3 });
    expect(pool.request(shared('r1'), 1)).toMatchObject({ kind: 'cold', entryId: 'c1' });
    expect(pool.markReady('c1')).toBe(true);
    expect(pool.request(shared('r2'), 2)).toEqual({ kind: 'warm', entryId: 'c1' });
    expect(pool.release('c1', false, 3)).toBe('retiring');
    expect(pool.entry('c1')).toMatchObject({ active: 1, ready: false, retiring: true });
    expect(pool.markReady('c1')).toBe(false);
    // New work for the key gets another container.
    expect(pool.request(shared('r3'), 4)).toMatchObject({ kind: 'cold', entryId: 'c2' });
    // Even a clean finish of the last holder removes the retired container.
    expect(pool.release('c1', true, 5)).toBe('removed');
    expect(pool.entry('c1')).toBeUndefined();
  });

  type Op =
    | { op: 'stem'; ready: boolean }
    | { op: 'stemDone'; pick: number; ok: boolean }
    | { op: 'initialized'; pick: number }
    | { op: 'request'; key: number; memoryMb: number }
    | { op: 'release'; pick: number; reusable: boolean }
    | { op: 'expire'; advance: number }
    | { op: 'restart'; pick: number };

  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('stem' as const), ready: fc.boolean() }),
    fc.record({ op: fc.constant('stemDone' as const), pick: fc.nat(), ok: fc.boolean() }),
    fc.record({ op: fc.constant('initialized' as const), pick: fc.nat() }),
    fc.record({ op: fc.constant('request' as const), key: fc.integer({ min: 0, max: 4 }), memoryMb: fc.constantFrom(128, 256, 512, 1024) }),
    fc.record({ op: fc.constant('release' as const), pick: fc.nat(), reusable: fc.boolean() }),
    fc.record({ op: fc.constant('expire' as const), advance: fc.integer({ min: 0, max: 50 }) }),
  );
  // Besides: more calls of the concurrent keys, so that starts are joined, and held containers
  // lost (their resume failed), whoever else holds one then waiting for its replacement.
  const withRestarts: fc.Arbitrary<Op> = fc.oneof(
    { arbitrary: opArb, weight: 6 },
    { arbitrary: fc.record({ op: fc.constant('request' as const), key: fc.constantFrom(3, 4), memoryMb: fc.constantFrom(128, 256, 512) }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant('restart' as const), pick: fc.nat() }), weight: 1 },
  );

  it('never exceeds capacity, loses no request and admits in arrival order (property)', () => {
    // The seed that once found a shared container dropped under a running activation, replayed
    // with the operations it was found with; the random runs also lose containers, and run
    // longer, so that starts are joined and restarted often enough to matter.
    const replay = { seed: 1987149666, path: '249:9:7:10:13:13:15:15:16:15', endOnFailure: true };
    const runs = [
      [fc.array(opArb, { maxLength: 200 }), replay],
      [fc.array(withRestarts, { maxLength: 200, size: 'medium' }), { numRuns: 100 }],
    ] as const;
    for (const [opsArb, parameters] of runs) fc.assert(
      fc.property(fc.constantFrom(1024, 1536, 2048), opsArb, (capacity, ops) => {
        const pool = new PoolState(capacity);
        // Every request is in exactly one of these until it leaves with its slot released.
        const holders = new Map<string, string>(); // requestId → entryId it runs (or is being started) in
        const joined = new Map<string, string>(); // requestId → entryId whose start it joined
        const handedOff = new Map<string, string>(); // requestId → entryId it joined, now ready for it
        const waiting = new Set<string>();
        const keys = new Map<string, string>(); // requestId → key
        const requests = new Map<string, PoolRequest>(); // requestId → the request as the pool was given it
        const arrival = new Map<string, number>();
        const creating: string[] = []; // stem cells whose containers are being created
        let now = 0;
        let seq = 0;

        const admit = (requestId: string, admission: Admission) => {
          if (admission.kind === 'warm' || admission.kind === 'cold' || admission.kind === 'prewarmed') {
            const entry = pool.entry(admission.entryId);
            expect(entry?.key).toBe(keys.get(requestId));
            expect(entry?.stem).toBeUndefined();
            expect(creating).not.toContain(admission.entryId);
            if (admission.kind === 'cold') {
              for (const id of admission.evicted) {
                expect([...holders.values(), ...joined.values()]).not.toContain(id);
                expect(creating).not.toContain(id);
              }
            }
            holders.set(requestId, admission.entryId);
          } else if (admission.kind === 'joined') {
            // Only a start of its own key, not yet serving, may be joined.
            const entry = pool.entry(admission.entryId);
            expect(entry).toMatchObject({ key: keys.get(requestId), ready: false });
            expect(entry?.stem).toBeUndefined();
            expect(entry?.retiring).toBeFalsy();
            expect(entry?.joined?.map((r) => r.requestId)).toContain(requestId);
            expect(holders.has(requestId) || joined.has(requestId)).toBe(false);
            joined.set(requestId, admission.entryId);
          } else if (admission.kind === 'queued') {
            waiting.add(requestId);
          }
        };
        /** A joined request has left its entry's list: handed the container (now ready) or queued again. */
        const reconcile = () => {
          for (const [requestId, entryId] of joined) {
            const entry = pool.entry(entryId);
            if (entry?.joined?.some((r) => r.requestId === requestId)) continue;
            joined.delete(requestId);
            if (entry?.ready) handedOff.set(requestId, entryId);
            else waiting.add(requestId);
          }
        };
        const pumpAll = () => {
          reconcile();
          for (const { requestId, admission } of pool.pump(now)) {
            const entryId = handedOff.get(requestId);
            if (entryId !== undefined) {
              expect(admission).toEqual({ kind: 'warm', entryId });
              handedOff.delete(requestId);
              holders.set(requestId, entryId);
              continue;
            }
            expect(waiting.has(requestId)).toBe(true);
            // FIFO: nothing that arrived before it is still waiting.
            for (const other of waiting) expect(arrival.get(other)!).toBeGreaterThanOrEqual(arrival.get(requestId)!);
            waiting.delete(requestId);
            admit(requestId, admission);
          }
          expect(handedOff.size).toBe(0);
        };
        const check = () => {
          expect(pool.usedMb()).toBeLessThanOrEqual(capacity);
          expect(pool.waitingCount()).toBe(waiting.size);
          let active = 0;
          const broken: string[] = [];
          for (const id of pool.entryIds()) {
            const entry = pool.entry(id)!;
            if (entry.active > entry.maxConcurrent) broken.push(`${id} over its concurrency`);
            const joiners = entry.joined?.length ?? 0;
            // Only a start may be joined, and the activation that started it holds a slot besides those who joined.
            if (joiners > 0 && (entry.ready || entry.retiring || entry.stem !== undefined || joiners >= entry.active)) broken.push(`${id} joined while not starting`);
            active += entry.active;
          }
          expect(broken).toEqual([]);
          expect(active).toBe(holders.size + joined.size);
        };
        const releaseOne = (requestId: string, reusable: boolean) => {
          const entryId = holders.get(requestId)!;
          holders.delete(requestId);
          pool.release(entryId, reusable, now);
          pumpAll();
        };

        for (const op of ops) {
          now += 1;
          if (op.op === 'stem') {
            const id = pool.addStem('s256', 256, now);
            if (id !== undefined) {
              if (op.ready) expect(pool.stemReady(id, now)).toBe(true);
              else creating.push(id);
            }
          } else if (op.op === 'stemDone' && creating.length > 0) {
            const [id] = creating.splice(op.pick % creating.length, 1);
            if (op.ok) expect(pool.stemReady(id!, now)).toBe(true);
            else pool.release(id!, false, now);
          } else if (op.op === 'request') {
            const requestId = `r${++seq}`;
            keys.set(requestId, `k${op.key}`);
            arrival.set(requestId, seq);
            // Keys 0 and 1 run in a family that keeps stem cells.
            const stemKey = op.key < 2 && op.memoryMb === 256 ? { stemKey: 's256' } : {};
            // Keys 3 and 4 run up to three activations per container.
            const maxConcurrent = op.key >= 3 ? 3 : 1;
            const usedBefore = pool.usedMb();
            const waitedBefore = waiting.size;
            const request: PoolRequest = { requestId, key: `k${op.key}`, memoryMb: op.memoryMb, maxConcurrent, ...stemKey };
            requests.set(requestId, request);
            const admission = pool.request(request, now);
            // FIFO: nothing overtakes a request that waits.
            if (waitedBefore > 0) expect(['queued', 'too-large']).toContain(admission.kind);
            // Joining a start reserves no memory.
            if (admission.kind === 'joined') expect(pool.usedMb()).toBe(usedBefore);
            admit(requestId, admission);
          } else if (op.op === 'initialized' && holders.size > 0) {
            pool.markReady([...holders.values()][op.pick % holders.size]!);
          } else if (op.op === 'release' && holders.size > 0) {
            const requestId = [...holders.keys()][op.pick % holders.size]!;
            const entryId = holders.get(requestId)!;
            holders.delete(requestId);
            pool.release(entryId, op.reusable, now);
          } else if (op.op === 'restart' && holders.size > 0) {
            // Mostly a container that can be lost (a ready one), else one that cannot.
            const heldIds = [...holders.values()];
            const readyIds = heldIds.filter((id) => pool.entry(id)!.ready);
            const candidates = readyIds.length > 0 ? readyIds : heldIds;
            const entryId = candidates[op.pick % candidates.length]!;
            const ready = pool.entry(entryId)!.ready;
            // One holder starts the replacement; the others wait for it.
            const [, ...others] = [...holders].filter(([, held]) => held === entryId).map(([requestId]) => requestId);
            // Only a ready container can be lost on resume; a restart already under way is not repeated.
            expect(pool.restart(entryId, others.map((requestId) => requests.get(requestId)!))).toBe(ready);
            if (ready) {
              expect(pool.restart(entryId, [])).toBe(false);
              for (const requestId of others) {
                holders.delete(requestId);
                joined.set(requestId, entryId);
              }
            }
          } else if (op.op === 'expire') {
            now += op.advance;
            pool.expireIdle(now, 20);
          }
          pumpAll();
          check();
        }

        // Liveness: finishing stem cells and releasing everything, every other activation failing
        // (so starts that others joined fail too), admits every waiting and joined request, and
        // then the pool empties.
        for (const id of creating.splice(0)) pool.stemReady(id, now);
        pumpAll();
        for (let released = 0; holders.size > 0; released += 1) {
          releaseOne([...holders.keys()][0]!, released % 2 === 0);
          check();
        }
        expect(joined.size).toBe(0);
        expect(waiting.size).toBe(0);
        expect(pool.waitingCount()).toBe(0);
        pool.expireIdle(now + 1000, 20);
        // Only stem cells outlive the idle time.
        expect(pool.entryIds().every((id) => pool.entry(id)!.stem === 's256')).toBe(true);
        expect(pool.usedMb()).toBe(pool.stemCount('s256') * 256);
      }),
      { numRuns: 300, ...parameters },
    );
  });
});
