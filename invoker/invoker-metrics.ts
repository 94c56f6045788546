import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { STATUS_BY_CODE, type ActivationRecord } from '../common/entities/activation';
import { annotation } from '../common/entities/parameters';
import type { ConsumerHealth } from '../common/spi/message-bus';
import type { GpuDeviceStatus } from '../common/entities/gpu';
import type { PoolCensus, PoolCensusState } from './pool/container-pool-state';

// The invoker's figures for Prometheus (issue #15), read off each stored record so they count
// exactly what the activation store holds, plus gauges sampled at scrape time.

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface InvokerMetricsSources {
  readonly invokerId: string;
  readonly pool: () => PoolCensus;
  readonly consumer: () => ConsumerHealth | undefined;
  readonly intakeLength: () => number;
  /** The invoker's GPUs with their free memory (ADR 0024); no GPU series without it. */
  readonly gpus?: () => readonly GpuDeviceStatus[];
}

export class InvokerMetrics {
  private readonly activations: Counter<'namespace' | 'action' | 'status'>;
  private readonly duration: Histogram<'kind'>;
  private readonly wait: Histogram<'kind'>;
  private readonly init: Histogram<'kind'>;
  private readonly coldStarts: Counter<'kind'>;

  constructor(registry: Registry, sources: InvokerMetricsSources) {
    const registers = [registry];
    this.activations = new Counter({ name: 'wisp_activations_total', help: 'Activations recorded by this invoker, by namespace, action and status', labelNames: ['namespace', 'action', 'status'], registers });
    this.duration = new Histogram({ name: 'wisp_activation_duration_seconds', help: 'Run time of an activation (start to end), by kind', labelNames: ['kind'], buckets: SECONDS_BUCKETS, registers });
    this.wait = new Histogram({ name: 'wisp_activation_wait_seconds', help: 'From acceptance by a controller to the start of the run, by kind', labelNames: ['kind'], buckets: SECONDS_BUCKETS, registers });
    this.init = new Histogram({ name: 'wisp_activation_init_seconds', help: 'Time in /init for activations that started a container, by kind', labelNames: ['kind'], buckets: SECONDS_BUCKETS, registers });
    this.coldStarts = new Counter({ name: 'wisp_cold_starts_total', help: 'Activations that had to initialise a container (a new one or a stem cell), by kind', labelNames: ['kind'], registers });
    new Gauge({
      name: 'wisp_container_pool_containers',
      help: "Containers in this invoker's pool by state",
      labelNames: ['invoker', 'state'],
      registers,
      collect() {
        const census = sources.pool();
        for (const state of Object.keys(census) as PoolCensusState[]) this.set({ invoker: sources.invokerId, state }, census[state]);
      },
    });
    new Gauge({
      name: 'wisp_kafka_consumer_lag',
      help: "Messages on this invoker's activation topic not yet fetched, as of its consumer's last fetch (-1: not known yet)",
      labelNames: ['invoker'],
      registers,
      collect() {
        this.set({ invoker: sources.invokerId }, sources.consumer()?.lag ?? -1);
      },
    });
    new Gauge({
      name: 'wisp_invoker_intake_queue_length',
      help: 'Activation messages fetched and waiting for a container',
      labelNames: ['invoker'],
      registers,
      collect() {
        this.set({ invoker: sources.invokerId }, sources.intakeLength());
      },
    });
    if (sources.gpus) InvokerMetrics.gpuGauge(registry, sources);
  }

  /** Per device: memory free, held by idle warm containers (evictable) and by busy or starting ones. */
  private static gpuGauge(registry: Registry, sources: InvokerMetricsSources): void {
    new Gauge({
      name: 'wisp_gpu_memory_megabytes',
      help: "GPU device memory of this invoker by device and state: free, idle (held by idle warm containers, evictable), busy (held by running or starting ones, or used outside Wisp at detection)",
      labelNames: ['invoker', 'gpu', 'state'],
      registers: [registry],
      collect() {
        for (const device of sources.gpus?.() ?? []) {
          const labels = { invoker: sources.invokerId, gpu: device.uuid };
          this.set({ ...labels, state: 'free' }, device.freeMemoryMb);
          this.set({ ...labels, state: 'idle' }, device.idleMemoryMb);
          this.set({ ...labels, state: 'busy' }, device.memoryMb - device.freeMemoryMb - device.idleMemoryMb);
        }
      },
    });
  }

  recorded(record: ActivationRecord): void {
    const kind = String(annotation(record.annotations, 'kind') ?? 'unknown');
    this.activations.inc({ namespace: record.namespace, action: record.name, status: STATUS_BY_CODE[record.response.statusCode] });
    const duration = record.duration ?? (record.end > 0 ? record.end - record.start : undefined);
    if (duration !== undefined) this.duration.observe({ kind }, duration / 1000);
    const waitTime = annotation(record.annotations, 'waitTime');
    if (typeof waitTime === 'number') this.wait.observe({ kind }, waitTime / 1000);
    const initTime = annotation(record.annotations, 'initTime');
    if (typeof initTime === 'number') {
      this.coldStarts.inc({ kind });
      this.init.observe({ kind }, initTime / 1000);
    }
  }
}
