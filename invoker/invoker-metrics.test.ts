import { Registry } from 'prom-client';
import type { ActivationRecord } from '../common/entities/activation';
import { InvokerMetrics } from './invoker-metrics';

const record = (over: Partial<ActivationRecord> & { initTime?: number }): ActivationRecord => {
  const { initTime, ...rest } = over;
  return {
    namespace: 'alice',
    name: 'pkg/resize',
    subject: 'alice',
    activationId: 'a'.repeat(32),
    start: 1000,
    end: 1250,
    duration: 250,
    response: { statusCode: 0, result: {} },
    logs: [],
    version: '0.0.1',
    publish: false,
    annotations: [{ key: 'kind', value: 'nodejs:20' }, { key: 'waitTime', value: 40 }, ...(initTime !== undefined ? [{ key: 'initTime', value: initTime }] : [])],
    ...rest,
  };
};

describe('InvokerMetrics', () => {
  let registry: Registry;
  let lag: number | undefined;

  beforeEach(() => {
    registry = new Registry();
    lag = undefined;
    new InvokerMetrics(registry, {
      invokerId: 'invoker3',
      pool: () => ({ prewarmed: 2, starting: 0, busy: 1, idle: 4, paused: 3 }),
      consumer: () => (lag === undefined ? undefined : { state: 'running', lastFetchAt: 1, lag }),
      intakeLength: () => 7,
    });
  });

  it('counts each record by namespace, action and status, and times it by kind', async () => {
    const own = new Registry();
    const counted = new InvokerMetrics(own, { invokerId: 'invoker3', pool: () => ({ prewarmed: 0, starting: 0, busy: 0, idle: 0, paused: 0 }), consumer: () => undefined, intakeLength: () => 0 });
    counted.recorded(record({ initTime: 120 }));
    counted.recorded(record({}));
    counted.recorded(record({ response: { statusCode: 2, result: { error: 'x' } } }));
    const text = await own.metrics();
    expect(text).toContain('wisp_activations_total{namespace="alice",action="pkg/resize",status="success"} 2');
    expect(text).toContain('wisp_activations_total{namespace="alice",action="pkg/resize",status="action developer error"} 1');
    expect(text).toContain('wisp_cold_starts_total{kind="nodejs:20"} 1');
    expect(text).toContain('wisp_activation_duration_seconds_count{kind="nodejs:20"} 3');
    expect(text).toContain('wisp_activation_duration_seconds_bucket{le="0.25",kind="nodejs:20"} 3');
    expect(text).toContain('wisp_activation_wait_seconds_sum{kind="nodejs:20"} 0.12');
    expect(text).toContain('wisp_activation_init_seconds_count{kind="nodejs:20"} 1');
  });

  it('samples the memory of each GPU device by state at scrape time, and has no GPU series without GPUs', async () => {
    const own = new Registry();
    const gpus = [{ index: 0, uuid: 'GPU-a', name: 'T4', memoryMb: 16_000, freeMemoryMb: 6000, idleMemoryMb: 4000 }];
    new InvokerMetrics(own, { invokerId: 'invoker3', pool: () => ({ prewarmed: 0, starting: 0, busy: 0, idle: 0, paused: 0 }), consumer: () => undefined, intakeLength: () => 0, gpus: () => gpus });
    const text = await own.metrics();
    expect(text).toContain('wisp_gpu_memory_megabytes{invoker="invoker3",gpu="GPU-a",state="free"} 6000');
    expect(text).toContain('wisp_gpu_memory_megabytes{invoker="invoker3",gpu="GPU-a",state="idle"} 4000');
    expect(text).toContain('wisp_gpu_memory_megabytes{invoker="invoker3",gpu="GPU-a",state="busy"} 6000');
    expect(await registry.metrics()).not.toContain('wisp_gpu_memory_megabytes');
  });

  it('samples the pool, the consumer lag and the intake queue at scrape time', async () => {
    let text = await registry.metrics();
    expect(text).toContain('wisp_container_pool_containers{invoker="invoker3",state="paused"} 3');
    expect(text).toContain('wisp_container_pool_containers{invoker="invoker3",state="prewarmed"} 2');
    expect(text).toContain('wisp_kafka_consumer_lag{invoker="invoker3"} -1');
    expect(text).toContain('wisp_invoker_intake_queue_length{invoker="invoker3"} 7');
    lag = 12;
    text = await registry.metrics();
    expect(text).toContain('wisp_kafka_consumer_lag{invoker="invoker3"} 12');
  });
});
