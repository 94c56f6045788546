import fc from 'fast-check';
import { isPlatformError } from '../../common/errors/platform-error';
import type { InvokerView } from './invoker-registry';
import { LoadBalancer, homeIndex } from './load-balancer';

const invoker = (invokerId: string, freeMemoryMb: number, state: InvokerView['state'] = 'up'): InvokerView => ({ invokerId, state, freeMemoryMb, userMemoryMb: 4096 });

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
    lb.reserve(first, 256);
    const second = lb.choose('guest', 'guest/a', 256);
    expect(second).not.toBe(first);
    lb.reserve(second, 256);
    // Everyone busy: queue on the first healthy invoker in probe order, never refuse for load.
    expect(lb.choose('guest', 'guest/a', 256)).toBe(first);
    lb.release(first, 256);
    expect(lb.choose('guest', 'guest/a', 256)).toBe(first);
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
