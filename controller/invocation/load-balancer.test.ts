import fc from 'fast-check';
import { isPlatformError } from '../../common/errors/platform-error';
import type { InvokerView } from './invoker-registry';
import { LoadBalancer, RESERVATION_GRACE_MS, homeIndex } from './load-balancer';

const invoker = (invokerId: string, freeMemoryMb: number, state: InvokerView['state'] = 'up', heardAt = 0): InvokerView => ({ invokerId, state, freeMemoryMb, userMemoryMb: 4096, heardAt, gpus: [], gpuWarm: [] });

describe('LoadBalancer', () => {
  it('sends an action to its home invoker while it has room', () => {
    const invokers = [invoker('invoker0', 4096), invoker('invoker1', 4096)];
    const lb = new LoadBalancer(() => invokers);
    const home = invokers[homeIndex('guest', 'guest/a', 2)]!.invokerId;
    expect(lb.choose('guest', 'guest/a', 256)).toBe(home);
    expect(lb.choose('guest', 'guest/a', 256)).toBe(home);
  });

  it('probes onward when the home invoker is full or not healthy, and counts its own reservations', () => {
    const invokers = [invoker('invoker0', 256), invoker('invoker1', 256)];
    const lb = new LoadBalancer(() => invokers);
    const first = lb.choose('guest', 'guest/a', 256);
    lb.reserve('a1', first, 256, 60_000);
    const second = lb.choose('guest', 'guest/a', 256);
    expect(second).not.toBe(first);
    lb.reserve('a2', second, 256, 60_000);
    // Everyone busy: queue on the first healthy invoker in probe order, never refuse for load.
    expect(lb.choose('guest', 'guest/a', 256)).toBe(first);
    lb.release('a1');
    expect(lb.choose('guest', 'guest/a', 256)).toBe(first);
  });

  it("stops counting a reservation once a heartbeat sent after the invoker had it arrives, so a burst stays home while there is room", () => {
    let clock = 1_000_000;
    const home = homeIndex('guest', 'guest/burst', 2);
    const ids = ['invoker0', 'invoker1'];
    let invokers = [invoker('invoker0', 1024, 'up', clock), invoker('invoker1', 1024, 'up', clock)];
    const lb = new LoadBalancer(() => invokers, () => clock);
    for (let n = 0; n < 4; n++) {
      expect(lb.choose('guest', 'guest/burst', 256)).toBe(ids[home]);
      lb.reserve(`b${n}`, ids[home]!, 256, 60_000);
    }
    // Four sent since the last beat: the home invoker counts as full.
    expect(lb.choose('guest', 'guest/burst', 256)).toBe(ids[1 - home]);
    // A beat too soon after the sends may not include them yet: still counted.
    clock += 10;
    invokers = invokers.map((v) => (v.invokerId === ids[home] ? { ...v, freeMemoryMb: 1024, heardAt: clock } : v));
    expect(lb.freeMemoryMb(ids[home]!)).toBe(0);
    // A later beat includes them (two of the four already done): it alone says what is free.
    clock += 1000;
    invokers = invokers.map((v) => (v.invokerId === ids[home] ? { ...v, freeMemoryMb: 512, heardAt: clock } : v));
    expect(lb.freeMemoryMb(ids[home]!)).toBe(512);
    expect(lb.choose('guest', 'guest/burst', 256)).toBe(ids[home]);
    // What is sent after that beat counts again until the next one.
    lb.reserve('b4', ids[home]!, 256, 60_000);
    lb.reserve('b5', ids[home]!, 256, 60_000);
    expect(lb.choose('guest', 'guest/burst', 256)).toBe(ids[1 - home]);
  });

  describe('reservations', () => {
    let clock = 0;
    let invokers: InvokerView[] = [];
    const lb = new LoadBalancer(() => invokers, () => clock);

    beforeEach(() => {
      clock = 1_000_000;
      invokers = [invoker('invoker0', 1024), invoker('invoker1', 1024)];
    });

    it('counts an activation once, on the invoker it was last sent to, until its completion', () => {
      lb.reserve('a', 'invoker0', 256, 1000);
      expect([lb.freeMemoryMb('invoker0'), lb.freeMemoryMb('invoker1')]).toEqual([768, 1024]);
      // Re-dispatched elsewhere: the memory moves with it rather than being counted twice.
      lb.reserve('a', 'invoker1', 256, 1000);
      expect([lb.freeMemoryMb('invoker0'), lb.freeMemoryMb('invoker1')]).toEqual([1024, 768]);
      lb.reserve('b', 'invoker1', 512, 1000);
      expect(lb.freeMemoryMb('invoker1')).toBe(256);
      lb.release('a');
      lb.release('a');
      expect([lb.freeMemoryMb('invoker0'), lb.freeMemoryMb('invoker1')]).toEqual([1024, 512]);
      lb.release('b');
      expect(lb.freeMemoryMb('invoker1')).toBe(1024);
      expect(lb.freeMemoryMb('invoker9')).toBeUndefined();
    });

    it('lapses a grace after the action timeout when no completion arrives', () => {
      lb.reserve('a', 'invoker0', 256, 1000);
      clock += 1000 + RESERVATION_GRACE_MS;
      lb.sweep();
      expect(lb.freeMemoryMb('invoker0')).toBe(768);
      clock += 1;
      lb.sweep();
      expect(lb.freeMemoryMb('invoker0')).toBe(1024);
    });

    it('drops what was reserved on an invoker that went down, so it does not come back looking full', () => {
      lb.reserve('a', 'invoker0', 1024, 60_000);
      lb.reserve('b', 'invoker1', 256, 60_000);
      invokers = [invoker('invoker0', 1024, 'down'), invoker('invoker1', 1024)];
      lb.sweep();
      invokers = [invoker('invoker0', 1024), invoker('invoker1', 1024)];
      expect([lb.freeMemoryMb('invoker0'), lb.freeMemoryMb('invoker1')]).toEqual([1024, 768]);
      // An invoker that is only unhealthy keeps running what it has: its reservations stay.
      invokers = [invoker('invoker0', 1024), invoker('invoker1', 1024, 'unhealthy')];
      lb.sweep();
      expect(lb.freeMemoryMb('invoker1')).toBe(768);
      lb.release('b');
    });

    it('never leaves memory counted once every reservation is released or lapsed', () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd'), on: fc.constantFrom('invoker0', 'invoker1'), memory: fc.integer({ min: 1, max: 512 }), release: fc.boolean() })),
          (steps) => {
            for (const step of steps) {
              if (step.release) lb.release(step.id);
              else lb.reserve(step.id, step.on, step.memory, 1000);
            }
            const held = new Set(steps.filter((s) => !s.release).map((s) => s.id));
            expect((lb.freeMemoryMb('invoker0') ?? 0) + (lb.freeMemoryMb('invoker1') ?? 0)).toBeGreaterThanOrEqual(2048 - held.size * 512);
            for (const id of held) lb.release(id);
            expect([lb.freeMemoryMb('invoker0'), lb.freeMemoryMb('invoker1')]).toEqual([1024, 1024]);
          },
        ),
      );
    });
  });

  it('answers 503 only when no invoker is healthy', () => {
    const none = new LoadBalancer(() => []);
    const down = new LoadBalancer(() => [invoker('invoker0', 4096, 'down'), invoker('invoker1', 4096, 'unhealthy')]);
    for (const lb of [none, down]) {
      try {
        lb.choose('guest', 'guest/a', 256);
        throw new Error('expected 503');
      } catch (err) {
        expect(isPlatformError(err) && err.status).toBe(503);
      }
    }
  });

  it('always picks a healthy invoker when one exists', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ up: fc.boolean(), free: fc.nat(8192) }), { minLength: 1, maxLength: 8 }), fc.string(), fc.nat(1024), (specs, name, memory) => {
        const invokers = specs.map((s, i) => invoker(`invoker${i}`, s.free, s.up ? 'up' : 'down'));
        const lb = new LoadBalancer(() => invokers);
        if (!specs.some((s) => s.up)) return;
        const chosen = invokers.find((i) => i.invokerId === lb.choose('ns', name, memory));
        expect(chosen?.state).toBe('up');
      }),
    );
  });
});
