import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from './redis-test-keys';
import { freePort } from './free-port';
import { startProcess, waitForHealthyInvokers, type PlatformProcess } from './platform-process';
import { TEST_MESSAGE_KEY_ENV } from './message-key';
import { DEV_KEYS_ENV } from './dev-keys';

// The two profiles as an operator starts them, for end-to-end tests: the standalone entry point
// as one process, or controller and invoker processes over the real Kafka, NATS, Redis and
// Docker engine that deploy/stack.sh started. Each resolves once every controller counts its
// invokers healthy, and fails with the processes' output when they never do.

export interface StandalonePlatformOptions {
  readonly prefix: string;
  readonly containers: 'process' | 'docker';
  /** The process's name in failure output. */
  readonly name?: string;
  /** A data dir the caller owns (made before the start, kept after `stop`); a fresh temp dir otherwise. */
  readonly dataDir?: string;
  /** More settings (WISP_* variables) on top of the ones every start needs. */
  readonly env?: Record<string, string>;
}

export interface StandalonePlatform {
  readonly apihost: string;
  readonly dataDir: string;
  /** Every process started, the current one last. */
  readonly processes: readonly PlatformProcess[];
  /** The current process. */
  readonly process: PlatformProcess;
  /** Starts the entry point again on the same port, data dir and settings, after a stop or a kill. */
  restart(name?: string): Promise<PlatformProcess>;
  /** Stops every process and removes the data dir if the harness made it. */
  stop(): Promise<void>;
}

export async function startStandalonePlatform(options: StandalonePlatformOptions): Promise<StandalonePlatform> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), `${options.prefix}-`));
  const port = await freePort();
  const apihost = `http://127.0.0.1:${port}`;
  const env = {
    WISP_DATA_DIR: dataDir,
    WISP_CONTROLLER_PORT: String(port),
    WISP_PREFIX: options.prefix,
    WISP_CONTAINER_FACTORY: options.containers,
    WISP_LOG_LEVEL: 'warn',
    ...options.env,
  };
  const processes: PlatformProcess[] = [];
  const start = async (name: string) => {
    const platform = startProcess(name, 'deploy/standalone/main.ts', env);
    processes.push(platform);
    await waitForHealthyInvokers(apihost, 1, [platform]);
    return platform;
  };
  const stop = async () => {
    for (const platform of processes) await platform.stop();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await start(options.name ?? `standalone-${options.containers}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    apihost,
    dataDir,
    processes,
    get process() {
      return processes[processes.length - 1]!;
    },
    restart: (name = `standalone-${options.containers}`) => start(name),
    stop,
  };
}

export interface DistributedPlatformOptions {
  readonly prefix: string;
  /** Invoker ids, each its own process with Docker containers; one `invoker0` unless given. */
  readonly invokers?: readonly string[];
  /** How many controller processes, each on its own port; one unless given. */
  readonly controllers?: number;
  /** More settings (WISP_* variables) for every process. */
  readonly env?: Record<string, string>;
  /** Settings for one invoker only, by id, over `env` (e.g. a different WISP_INVOKER_GPUS each). */
  readonly invokerEnv?: Readonly<Record<string, Record<string, string>>>;
  /** Each process serves GET /metrics on a free port of its own, listed in `metricsTargets`. */
  readonly metrics?: boolean;
}

export interface DistributedPlatform {
  /** The first controller's URL, which actions are told to call back. */
  readonly apihost: string;
  /** Every controller's URL, in order. */
  readonly apihosts: readonly string[];
  readonly processes: readonly PlatformProcess[];
  /** With `metrics`: each process's name and `host:port` of its metrics listener. */
  readonly metricsTargets: readonly { readonly name: string; readonly target: string }[];
  /** Starts (another life of) an invoker with the platform's settings; it is stopped with the rest. */
  startInvoker(id: string): PlatformProcess;
  /** Starts one more controller (`controller<index>`, a new port) with the platform's settings, once it counts `invokers` healthy; it is stopped with the rest. */
  startController(index: number, invokers?: number): Promise<{ readonly process: PlatformProcess; readonly apihost: string }>;
  /** Stops every process and deletes the run's Redis keys. */
  stop(): Promise<void>;
}

export async function startDistributedPlatform(options: DistributedPlatformOptions): Promise<DistributedPlatform> {
  const invokers = options.invokers ?? ['invoker0'];
  const ports: number[] = [];
  for (let i = 0; i < (options.controllers ?? 1); i++) ports.push(await freePort());
  const apihosts = ports.map((port) => `http://127.0.0.1:${port}`);
  const env: Record<string, string> = { ...TEST_MESSAGE_KEY_ENV, ...DEV_KEYS_ENV, WISP_PREFIX: options.prefix, WISP_LOG_LEVEL: 'warn', WISP_API_HOST_FOR_ACTIONS: apihosts[0]!, ...options.env };
  const processes: PlatformProcess[] = [];
  const metricsPorts = new Map<string, number>();
  for (const name of [...invokers, ...ports.map((_port, i) => `controller${i}`)]) if (options.metrics) metricsPorts.set(name, await freePort());
  const metricsEnv = (name: string): Record<string, string> => (metricsPorts.has(name) ? { WISP_METRICS_PORT: String(metricsPorts.get(name)) } : {});
  const startInvoker = (id: string) => {
    const invoker = startProcess(id, 'invoker/main.ts', { ...env, ...options.invokerEnv?.[id], ...metricsEnv(id), WISP_INVOKER_ID: id, WISP_CONTAINER_FACTORY: 'docker' });
    processes.push(invoker);
    return invoker;
  };
  const startController = async (index: number, healthy = invokers.length) => {
    const port = await freePort();
    const apihost = `http://127.0.0.1:${port}`;
    const controller = startProcess(`controller${index}`, 'controller/main.ts', { ...env, WISP_CONTROLLER_ID: `controller${index}`, WISP_CONTROLLER_PORT: String(port) });
    processes.push(controller);
    await waitForHealthyInvokers(apihost, healthy, [controller], 90_000);
    return { process: controller, apihost };
  };
  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop()));
    const redis = new Redis(env.WISP_REDIS_URL ?? 'redis://127.0.0.1:6379');
    await deleteKeysWithPrefix(redis, options.prefix);
    await redis.quit();
  };
  try {
    for (const id of invokers) startInvoker(id);
    for (const [i, port] of ports.entries()) {
      processes.push(startProcess(`controller${i}`, 'controller/main.ts', { ...env, ...metricsEnv(`controller${i}`), WISP_CONTROLLER_ID: `controller${i}`, WISP_CONTROLLER_PORT: String(port) }));
    }
    for (const apihost of apihosts) await waitForHealthyInvokers(apihost, invokers.length, processes, 90_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const metricsTargets = [...metricsPorts].map(([name, port]) => ({ name, target: `127.0.0.1:${port}` }));
  return { apihost: apihosts[0]!, apihosts, processes, metricsTargets, startInvoker, startController, stop };
}
