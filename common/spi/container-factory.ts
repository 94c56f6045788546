import type { ContainerRuntime } from '../entities/action';
import type { GpuDevice } from '../entities/gpu';

// ContainerFactory: create / pause / resume / destroy action containers and stream their logs.
// Adapters: docker (dockerode), process (the same runtime proxy as a local child process).
// Each declares what it can really do, so the process factory is never forced to fake what
// only Docker enforces.

export interface ContainerSpec {
  /** Unique name, built with Naming.containerName. */
  readonly name: string;
  /** A managed runtime family, or 'blackbox': then `image` is the action's own. */
  readonly family: ContainerRuntime;
  /** Docker image for this family; the process factory ignores it (and refuses blackboxes). */
  readonly image: string;
  readonly memoryMb: number;
  /** Environment of the runtime process (e.g. __OW_API_HOST). */
  readonly env: Readonly<Record<string, string>>;
  /** Extra labels; the factory always adds Naming.containerLabels(invokerId). */
  readonly labels?: Readonly<Record<string, string>>;
  /** How long the runtime may take to accept connections; the factory's own bound when absent. */
  readonly readyTimeoutMs?: number;
  /** GPUs the container is pinned to (DESIGN.md §8): the pool sets them from its ledger; none for a CPU action. */
  readonly gpus?: readonly GpuDevice[];
}

export type LogStream = 'stdout' | 'stderr';

export interface LogLine {
  /** RFC 3339 with nanoseconds where the source has them. */
  readonly time: string;
  readonly stream: LogStream;
  readonly text: string;
}

export interface CollectedLogs {
  readonly lines: readonly LogLine[];
  /** Bytes past `limitBytes` were dropped. */
  readonly truncated: boolean;
  /** A sentinel was seen on both streams (or none was awaited). */
  readonly complete: boolean;
}

export interface CollectOptions {
  readonly limitBytes: number;
  /** Wait for XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX on stdout and on stderr. */
  readonly waitForSentinel: boolean;
  /** How long to wait for the sentinels before returning what arrived. */
  readonly timeoutMs: number;
  /**
   * Set when the runtime tags every line with `<activationId> ` (a nodejs container running
   * activations concurrently): only this activation's lines and sentinels are taken, untagged.
   */
  readonly activationId?: string;
}

export interface ContainerStatus {
  readonly running: boolean;
  readonly oomKilled: boolean;
}

export interface Container {
  readonly id: string;
  readonly name: string;
  /** Where the runtime proxy listens, e.g. `http://172.18.0.5:8080`. */
  readonly baseUrl: string;
  /**
   * The secret its runtime proxy wants in `x-wisp-proxy-token` on every /init and /run, made by
   * the factory for this container alone and handed to the runtime at its start. Never logged.
   * A runtime without Wisp's proxy (a blackbox image) ignores it.
   */
  readonly proxyToken: string;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Idempotent. */
  destroy(): Promise<void>;
  /**
   * Returns the log lines written since the previous call, up to the sentinel lines (which are
   * dropped). Buffered output is bounded: a container printing megabytes cannot exhaust memory.
   */
  collectLogs(options: CollectOptions): Promise<CollectedLogs>;
  status(): Promise<ContainerStatus>;
  /**
   * Where the factory can measure it: CPU time used so far, and the memory peak since the
   * previous call (each call restarts the peak). Absent, or undefined, where it cannot.
   */
  usage?(): Promise<ContainerUsage | undefined>;
}

export interface ContainerUsage {
  readonly cpuNanos: number;
  readonly memoryPeakBytes?: number;
}

export interface ContainerFactoryCapabilities {
  readonly enforcesMemory: boolean;
  readonly reportsOom: boolean;
  readonly canPause: boolean;
}

export interface ContainerFactory {
  readonly capabilities: ContainerFactoryCapabilities;
  /** Prepares the factory (network, images present) and removes orphans labelled with this invoker's id. */
  init(): Promise<void>;
  /**
   * Resolves once the runtime inside accepts HTTP connections; rejects (and cleans up) otherwise.
   * An image the factory cannot run (missing locally, or no images at all) rejects with
   * invoker/containers/container-image-error.ts's ContainerImageError: the action's fault.
   */
  create(spec: ContainerSpec): Promise<Container>;
  /** Destroys every container this factory's invoker id owns. */
  close(): Promise<void>;
}
