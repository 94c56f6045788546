import type { Heartbeat } from '../../common/protocol/heartbeat';
import { invokerState } from './invoker-health';

const beat = (consumer: Heartbeat['consumer'], sentAt = 100_000): Heartbeat => ({ v: 2, invokerId: 'invoker0', sentAt, userMemoryMb: 4096, freeMemoryMb: 4096, consumer, gpus: [], gpuWarm: [] });

describe('invokerState', () => {
  it('is up with a fresh beat and a running consumer', () => {
    expect(invokerState(beat({ state: 'running', lastFetchAt: 99_900 }), 100_000, 100_500, 1000)).toBe('up');
  });
  it('is down after three missed beats', () => {
    expect(invokerState(beat({ state: 'running', lastFetchAt: 99_900 }), 100_000, 103_001, 1000)).toBe('down');
  });
  it('is unhealthy when the consumer crashed or stalled', () => {
    expect(invokerState(beat({ state: 'crashed', lastFetchAt: 99_900 }), 100_000, 100_100, 1000)).toBe('unhealthy');
    expect(invokerState(beat({ state: 'running', lastFetchAt: 50_000 }), 100_000, 100_100, 1000)).toBe('unhealthy');
  });
});
