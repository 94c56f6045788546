import type { GpuDeviceStatus } from '../../common/entities/gpu';
import { HEARTBEAT_INTERVAL_MS, decodeHeartbeat, type Heartbeat, type PoolCensus } from '../../common/protocol/heartbeat';
import { systemLogger, type Logger } from '../../common/logging/logger';
import type { Naming } from '../../common/naming';
import type { SignalBus, SignalSubscription } from '../../common/spi/signal-bus';
import { invokerState, type InvokerState } from './invoker-health';

export interface InvokerView {
  readonly invokerId: string;
  readonly state: InvokerState;
  /** As its latest heartbeat said: memory not held by running, starting or waiting activations. */
  readonly freeMemoryMb: number;
  readonly userMemoryMb: number;
  /** When this controller received that heartbeat. */
  readonly heardAt: number;
  /** Its GPUs with their free memory as that heartbeat said (DESIGN.md §8); empty without GPUs. */
  readonly gpus: readonly GpuDeviceStatus[];
  /** Placement keys of its GPU containers that are warm and idle. */
  readonly gpuWarm: readonly string[];
  /** Its containers by state, when its heartbeat says (older invokers do not). */
  readonly pool?: PoolCensus;
}

/** Keeps the latest heartbeat of every invoker this controller has heard from. */
export class InvokerRegistry {
  private readonly beats = new Map<string, { beat: Heartbeat; receivedAt: number }>();
  private subscription: SignalSubscription | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly signals: SignalBus,
    private readonly naming: Naming,
    logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = HEARTBEAT_INTERVAL_MS,
  ) {
    this.logger = systemLogger(logger, 'healthMonitor');
  }

  async start(): Promise<void> {
    this.subscription = await this.signals.subscribe(this.naming.healthSubject(), (payload) => {
      const beat = decodeHeartbeat(payload);
      if (!beat) {
        this.logger.warn('undecodable heartbeat ignored');
        return;
      }
      if (!this.beats.has(beat.invokerId)) this.logger.info({ invoker: beat.invokerId }, 'invoker discovered');
      this.beats.set(beat.invokerId, { beat, receivedAt: this.now() });
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }

  /** Every invoker ever heard from, sorted by id so that all controllers hash onto the same order. */
  invokers(): InvokerView[] {
    const now = this.now();
    return [...this.beats.values()]
      .map(({ beat, receivedAt }) => ({
        invokerId: beat.invokerId,
        state: invokerState(beat, receivedAt, now, this.intervalMs),
        freeMemoryMb: beat.freeMemoryMb,
        userMemoryMb: beat.userMemoryMb,
        heardAt: receivedAt,
        gpus: beat.gpus,
        gpuWarm: beat.gpuWarm,
        ...(beat.pool ? { pool: beat.pool } : {}),
      }))
      .sort((a, b) => (a.invokerId < b.invokerId ? -1 : a.invokerId > b.invokerId ? 1 : 0));
  }

  /** When this controller last heard a heartbeat from `invokerId`; undefined for one never heard. */
  lastHeardAt(invokerId: string): number | undefined {
    return this.beats.get(invokerId)?.receivedAt;
  }

  /** Resolves once at least one invoker is up, or rejects after `timeoutMs`. */
  async waitForHealthy(timeoutMs: number): Promise<void> {
    const deadline = this.now() + timeoutMs;
    while (!this.invokers().some((i) => i.state === 'up')) {
      if (this.now() > deadline) throw new Error(`no healthy invoker within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
