import { systemLogger, type Logger } from '../common/logging/logger';
import type { Naming } from '../common/naming';
import type { GpuDeviceStatus } from '../common/entities/gpu';
import { encodeHeartbeat, HEARTBEAT_INTERVAL_MS, HEARTBEAT_VERSION, type PoolCensus } from '../common/protocol/heartbeat';
import type { ConsumerHealth } from '../common/spi/message-bus';
import type { SignalBus } from '../common/spi/signal-bus';

// The invoker's heartbeat to every controller (DESIGN.md §7): its free memory, which the load
// balancer places activations by, and its consumer's health. A beat that cannot be published
// is only logged: the controllers mark the invoker down after three missed ones.

export interface HeartbeatPublisherOptions {
  readonly signals: SignalBus;
  readonly naming: Naming;
  readonly invokerId: string;
  readonly userMemoryMb: number;
  readonly freeMemoryMb: () => number;
  /** The invoker's GPUs and their free memory; none on an invoker without GPUs. */
  readonly gpus?: () => readonly GpuDeviceStatus[];
  /** The pool's containers by state, for operators (the dashboard). */
  readonly pool?: () => PoolCensus;
  /** Placement keys of the GPU containers initialised and idle. */
  readonly gpuWarm?: () => readonly string[];
  /** Undefined until the invoker has subscribed to its topic. */
  readonly consumer: () => ConsumerHealth | undefined;
  readonly logger: Logger;
  readonly intervalMs?: number;
}

export class HeartbeatPublisher {
  private timer: NodeJS.Timeout | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: HeartbeatPublisherOptions) {
    this.logger = systemLogger(options.logger, 'heartbeat');
  }

  /** Beats once now, then every interval until stop(). */
  start(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), this.options.intervalMs ?? HEARTBEAT_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private beat(): void {
    const { options } = this;
    try {
      options.signals.publish(
        options.naming.healthSubject(),
        encodeHeartbeat({
          v: HEARTBEAT_VERSION,
          invokerId: options.invokerId,
          sentAt: Date.now(),
          userMemoryMb: options.userMemoryMb,
          freeMemoryMb: options.freeMemoryMb(),
          consumer: options.consumer() ?? { state: 'starting', lastFetchAt: 0 },
          gpus: options.gpus?.() ?? [],
          gpuWarm: options.gpuWarm?.() ?? [],
          ...(options.pool ? { pool: options.pool() } : {}),
        }),
      );
    } catch (error) {
      this.logger.warn({ err: error }, 'heartbeat not published');
    }
  }
}
