import { EnvReader, type Env } from '../common/config/env-reader';
import { readMessageKey } from '../common/config/message-key-config';
import { readSharedConfig, type SharedConfig } from '../common/config/shared-config';
import type { MessageKey } from '../common/protocol/message-seal';
import type { RuntimeFamily } from '../common/entities/action';
import { runtimeImage } from '../actions/runtime-image-names';
import type { GpuDevice } from '../common/entities/gpu';
import { parseDeclaredGpus } from './gpu/gpu-inventory';
import { DEFAULT_HARDENING, type ContainerHardening } from './containers/docker-create-options';

// The invoker's settings, read from an environment passed in. Every problem is collected and
// reported at once (ConfigError), so an operator fixes a bad deployment in one round.

export type ContainerFactoryKind = 'docker' | 'process';

export interface InvokerConfig {
  readonly shared: SharedConfig;
  /** One of the fixed pool `invoker0` … `invokerN-1`; names its topic, group and container labels. */
  readonly invokerId: string;
  /** Sum of the memory limits of all containers this invoker may hold. */
  readonly userMemoryMb: number;
  readonly containerFactory: ContainerFactoryKind;
  readonly runtimeImages: Readonly<Record<RuntimeFamily, string>>;
  /** Accepted-but-unstarted activations above which fetching pauses. */
  readonly queueCapacity: number;
  /** Stem cells kept per runtime family at the default memory (prewarmed, uninitialised containers). */
  readonly prewarm: Readonly<Record<RuntimeFamily, number>>;
  /** An idle warm container is paused after this long unused (OpenWhisk: 50 ms), where the factory can pause. */
  readonly pauseGraceMs: number;
  /** Publish every record created as an OpenWhisk user event on `<prefix>.events`. */
  readonly userEvents: boolean;
  /** An idle warm container is removed after this long unused. */
  readonly idleContainerMs: number;
  /** Handed to every container as __OW_API_HOST so actions can call the API. */
  readonly apiHostForActions: string;
  /** Added to the activation's own time bounds to size the claim's expiry. */
  readonly claimGraceMs: number;
  /** How long stop() waits for running activations before abandoning them to redelivery. */
  readonly drainMs: number;
  /**
   * The id's lease (invoker-id-lease.ts). Without WISP_INVOKER_ID the invoker takes the first
   * free id of the pool (`invokerId` is then only a placeholder); with it, it waits for that id.
   */
  readonly idLease: { readonly fromPool: boolean; readonly poolSize: number; readonly ttlMs: number };
  /** Limits on every Docker action container (docker-create-options.ts). */
  readonly hardening: ContainerHardening;
  /** Opens the sealed fields of activation messages (WISP_MESSAGE_KEY, ADR 0014). */
  readonly messageKey: MessageKey;
  /** WISP_INVOKER_GPUS: declared devices (none by default), or detect them with nvidia-smi at start (DESIGN.md §8). */
  readonly gpus: { readonly source: 'declared'; readonly devices: readonly GpuDevice[] } | { readonly source: 'detect' };
  /** An idle GPU container is removed after this long unused: its model stays loaded longer than a CPU container's state. */
  readonly gpuIdleContainerMs: number;
  /** Whether idle GPU containers are paused (they keep their device memory either way); off by default. */
  readonly gpuPause: boolean;
}

// The tags actions/build-images.ts builds.
export const DEFAULT_RUNTIME_IMAGES: Readonly<Record<RuntimeFamily, string>> = { nodejs: runtimeImage('nodejs'), python: runtimeImage('python') };

const INVOKER_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;

export function loadInvokerConfig(env: Env): InvokerConfig {
  const reader = new EnvReader(env);
  const shared = readSharedConfig(reader);
  const invokerId = reader.string('WISP_INVOKER_ID', 'invoker0');
  if (!INVOKER_ID.test(invokerId)) {
    reader.problem(`WISP_INVOKER_ID must be 1-32 lowercase letters, digits or '-', starting with a letter or digit, but was '${invokerId}'`);
  }
  const apiHostForActions = reader.string('WISP_API_HOST_FOR_ACTIONS', 'http://127.0.0.1:3233');
  if (!isHttpUrl(apiHostForActions)) {
    reader.problem(`WISP_API_HOST_FOR_ACTIONS must be an http(s) URL, but was '${apiHostForActions}'`);
  }
  const config: InvokerConfig = {
    shared,
    invokerId,
    messageKey: readMessageKey(reader),
    userMemoryMb: reader.int('WISP_INVOKER_USER_MEMORY_MB', 4096, { min: 128 }),
    containerFactory: reader.oneOf<ContainerFactoryKind>('WISP_CONTAINER_FACTORY', ['docker', 'process'], 'docker'),
    runtimeImages: {
      nodejs: reader.string('WISP_RUNTIME_IMAGE_NODEJS', DEFAULT_RUNTIME_IMAGES.nodejs),
      python: reader.string('WISP_RUNTIME_IMAGE_PYTHON', DEFAULT_RUNTIME_IMAGES.python),
    },
    queueCapacity: reader.int('WISP_INVOKER_QUEUE_CAPACITY', 256, { min: 1, max: 100000 }),
    prewarm: {
      nodejs: reader.int('WISP_INVOKER_PREWARM_NODEJS', 1, { min: 0, max: 64 }),
      python: reader.int('WISP_INVOKER_PREWARM_PYTHON', 0, { min: 0, max: 64 }),
    },
    pauseGraceMs: reader.int('WISP_INVOKER_PAUSE_GRACE_MS', 50, { min: 0 }),
    userEvents: reader.bool('WISP_USER_EVENTS', true),
    idleContainerMs: reader.int('WISP_INVOKER_IDLE_CONTAINER_MS', 600000, { min: 1 }),
    apiHostForActions,
    claimGraceMs: reader.int('WISP_INVOKER_CLAIM_GRACE_MS', 60000, { min: 0 }),
    drainMs: reader.int('WISP_INVOKER_DRAIN_MS', 30000, { min: 0 }),
    hardening: {
      pidsLimit: reader.int('WISP_CONTAINER_PIDS_LIMIT', DEFAULT_HARDENING.pidsLimit, { min: 16, max: 65536 }),
      tmpfsMb: reader.int('WISP_CONTAINER_TMPFS_MB', DEFAULT_HARDENING.tmpfsMb, { min: 1, max: 65536 }),
      milliCpus: reader.int('WISP_CONTAINER_CPU_MILLICORES', DEFAULT_HARDENING.milliCpus, { min: 10, max: 256_000 }),
      user: reader.string('WISP_CONTAINER_USER', DEFAULT_HARDENING.user),
    },
    gpus: readGpus(reader, reader.optionalString('WISP_INVOKER_GPUS')),
    gpuIdleContainerMs: reader.int('WISP_INVOKER_GPU_IDLE_CONTAINER_MS', 3_600_000, { min: 1 }),
    gpuPause: reader.bool('WISP_INVOKER_GPU_PAUSE', false),
    idLease: {
      fromPool: env.WISP_INVOKER_ID === undefined,
      poolSize: reader.int('WISP_INVOKER_POOL_SIZE', 16, { min: 1, max: 1024 }),
      // Renewed every heartbeat: a few missed renewals are tolerated, a dead invoker's id is free soon after it is seen down.
      ttlMs: reader.int('WISP_INVOKER_LEASE_TTL_MS', 5000, { min: 2000 }),
    },
  };
  if (!/^\d{1,10}(:\d{1,10})?$/.test(config.hardening.user)) reader.problem(`WISP_CONTAINER_USER must be uid or uid:gid in digits (a name needs the image's /etc/passwd), but was '${config.hardening.user}'`);
  else if (/^0(:|$)/.test(config.hardening.user)) reader.problem('WISP_CONTAINER_USER must not be root (uid 0): every action is hostile code');
  reader.done();
  return config;
}

function readGpus(reader: EnvReader, raw: string | undefined): InvokerConfig['gpus'] {
  if (raw === undefined || raw.trim() === '') return { source: 'declared', devices: [] };
  if (raw.trim() === 'detect') return { source: 'detect' };
  const { devices, problems } = parseDeclaredGpus(raw);
  for (const problem of problems) reader.problem(problem);
  return { source: 'declared', devices };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
