import { isPlatformError } from '../../common/errors/platform-error';
import type { GpuDeviceStatus } from '../../common/entities/gpu';
import type { InvokerView } from './invoker-registry';
import { LoadBalancer } from './load-balancer';

// GPU actions through the balancer: its own reservations count against device memory until a
// heartbeat reflects them, and a fleet without a device for the action is a clear 503.

const gpu = (freeMemoryMb: number, memoryMb = 16_000): GpuDeviceStatus => ({ index: 0, uuid: 'GPU-x', name: 'T4', memoryMb, freeMemoryMb, idleMemoryMb: 0 });
const invoker = (invokerId: string, gpus: GpuDeviceStatus[], gpuWarm: string[] = [], state: InvokerView['state'] = 'up'): InvokerView => ({
  invokerId,
  state,
  freeMemoryMb: 4096,
  userMemoryMb: 4096,
  heardAt: 0,
  gpus,
  gpuWarm,
});

function refusal(fn: () => unknown): { code: string; status: number; message: string } {
  try {
    fn();
  } catch (error) {
    if (isPlatformError(error)) return { code: error.code, status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('LoadBalancer with GPU actions', () => {
  it('sends a GPU action only to an invoker with a device, and a CPU action anywhere', () => {
    const invokers = [invoker('invoker0', []), invoker('invoker1', [gpu(16_000)])];
    const lb = new LoadBalancer(() => invokers);
    for (const name of ['a', 'b', 'c', 'd', 'e']) expect(lb.choose('guest', `guest/${name}`, 256, { memory: 8000, count: 1 })).toBe('invoker1');
  });

  it('counts its own reservations against device memory, then queues rather than refusing', () => {
    const invokers = [invoker('invoker0', [gpu(16_000)]), invoker('invoker1', [gpu(12_000)])];
    const lb = new LoadBalancer(() => invokers, () => 1000);
    // Best fit: 12 GB free leaves less over than 16 GB.
    expect(lb.choose('guest', 'guest/a', 256, { memory: 10_000, count: 1 })).toBe('invoker1');
    lb.reserve('a1', 'invoker1', 256, 60_000, { memory: 10_000, count: 1 });
    expect(lb.choose('guest', 'guest/a', 256, { memory: 10_000, count: 1 })).toBe('invoker0');
    lb.reserve('a2', 'invoker0', 256, 60_000, { memory: 10_000, count: 1 });
    const queuedOn = lb.choose('guest', 'guest/a', 256, { memory: 10_000, count: 1 });
    expect(['invoker0', 'invoker1']).toContain(queuedOn);
    lb.release('a1');
    expect(lb.choose('guest', 'guest/a', 256, { memory: 10_000, count: 1 })).toBe('invoker1');
  });

  it('prefers the invoker holding the action warm', () => {
    const invokers = [invoker('invoker0', [gpu(16_000)]), invoker('invoker1', [gpu(2000)], ['guest guest/llm'])];
    const lb = new LoadBalancer(() => invokers);
    expect(lb.choose('guest', 'guest/llm', 256, { memory: 8000, count: 1 })).toBe('invoker1');
    expect(lb.choose('other', 'guest/llm', 256, { memory: 8000, count: 1 })).toBe('invoker0');
  });

  it('answers 503 no-gpu-invoker with the reason when no healthy invoker has a device, or none large enough', () => {
    const none = new LoadBalancer(() => [invoker('invoker0', []), invoker('invoker1', [gpu(16_000)], [], 'down')]);
    expect(refusal(() => none.choose('guest', 'guest/a', 256, { memory: 8000, count: 1 }))).toEqual({
      code: 'no-gpu-invoker',
      status: 503,
      message: expect.stringContaining('No healthy invoker has a GPU'),
    });
    const small = new LoadBalancer(() => [invoker('invoker0', [gpu(16_000)])]);
    expect(refusal(() => small.choose('guest', 'guest/a', 256, { memory: 20_000, count: 1 })).message).toContain('the largest fleet device has 16000 MB');
    expect(refusal(() => new LoadBalancer(() => []).choose('guest', 'guest/a', 256, { memory: 1, count: 1 })).code).toBe('no-healthy-invoker');
  });
});
