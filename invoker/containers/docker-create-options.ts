import type Dockerode from 'dockerode';
import { PROXY_TOKEN_ENV } from '../../common/protocol/runtime-protocol';
import type { ContainerSpec } from '../../common/spi/container-factory';
import { gpuDeviceRequests, gpuEnv } from '../gpu/gpu-pinning';

// What one action container is allowed, as a pure function of its spec: every action is hostile
// code, so each container starts with no capabilities, no privilege gain, a bounded number of
// processes, memory without extra swap, a CPU ceiling, nothing of the host mounted, and (for the
// runtimes Wisp builds) a non-root user over a read-only root with a bounded writable /tmp.
// OpenWhisk's own `docker run` flags (reference openwhisk-core §6.4) are the floor of this.

export interface ContainerHardening {
  /** Processes and threads one container may hold: a fork bomb stops here. */
  readonly pidsLimit: number;
  /** Size of the writable /tmp of a managed runtime: a disk filler stops here. */
  readonly tmpfsMb: number;
  /** CPU ceiling per container, in thousandths of a core (shares still weigh containers against each other). */
  readonly milliCpus: number;
  /** uid:gid a managed runtime runs as. */
  readonly user: string;
}

export const DEFAULT_HARDENING: ContainerHardening = { pidsLimit: 256, tmpfsMb: 64, milliCpus: 1000, user: '65534:65534' };

export interface CreateOptionsContext {
  readonly hardening: ContainerHardening;
  /** The network's id or name. */
  readonly networkRef: string;
  /** __OW_API_HOST as containers reach it, when there is one. */
  readonly apiHost: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly userMemoryMb: number;
  /** The engine has the NVIDIA runtime: GPU containers get DeviceRequests, not only the variables. */
  readonly nvidiaRuntime?: boolean;
  /** This container's secret for its runtime proxy (common/protocol/runtime-protocol.ts PROXY_TOKEN_ENV). */
  readonly proxyToken: string;
}

const MIB = 1024 * 1024;

export function dockerCreateOptions(spec: ContainerSpec, context: CreateOptionsContext): Dockerode.ContainerCreateOptions {
  const { hardening } = context;
  const gpus = spec.gpus ?? [];
  // A user's image may set NVIDIA_VISIBLE_DEVICES=all (CUDA base images do): where the engine
  // could honour it, a container without devices is told it has none.
  const noGpu = gpus.length === 0 && context.nvidiaRuntime ? { NVIDIA_VISIBLE_DEVICES: 'void' } : {};
  // The token last: a spec cannot choose it.
  const env = { ...(context.apiHost ? { __OW_API_HOST: context.apiHost } : {}), ...spec.env, ...noGpu, ...gpuEnv(gpus, 'docker'), [PROXY_TOKEN_ENV]: context.proxyToken };
  // A blackbox image is the user's own: it may need its own user and to write where it was
  // built to. It still gets every other limit.
  const managed = spec.family !== 'blackbox';
  return {
    name: spec.name,
    Image: spec.image,
    Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
    Labels: { ...spec.labels, ...context.labels },
    ...(managed ? { User: hardening.user } : {}),
    HostConfig: {
      Memory: spec.memoryMb * MIB,
      // Equal to Memory: no swap beyond the limit, so a memory hog is killed, not slowed for everyone.
      MemorySwap: spec.memoryMb * MIB,
      CpuShares: cpuShares(spec.memoryMb, context.userMemoryMb),
      NanoCpus: hardening.milliCpus * 1_000_000,
      PidsLimit: hardening.pidsLimit,
      SecurityOpt: ['no-new-privileges'],
      // The runtimes only listen on an unprivileged port and run as one user: they need none.
      CapDrop: ['ALL'],
      Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 1024 }],
      NetworkMode: context.networkRef,
      Privileged: false,
      Binds: [],
      // Not noexec: a zip action's native addon is dlopen()ed from where it was unpacked.
      ...(managed
        ? { ReadonlyRootfs: true, Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${hardening.tmpfsMb}m,mode=1777` } }
        : {}),
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '1' } },
      ...(gpus.length > 0 && context.nvidiaRuntime ? { DeviceRequests: gpuDeviceRequests(gpus) } : {}),
    },
  };
}

/** OpenWhisk's `max(1024 / (userMemory / memory), 2)`: CPU weight in proportion to memory. */
export function cpuShares(memoryMb: number, userMemoryMb: number): number {
  return Math.max(2, Math.floor((1024 * memoryMb) / userMemoryMb));
}
