import { Writable, type Readable } from 'node:stream';
import Dockerode from 'dockerode';
import type { RuntimeFamily } from '../../common/entities/action';
import type { Logger } from '../../common/logging/logger';
import type { Naming } from '../../common/naming';
import type {
  Container,
  ContainerFactory,
  ContainerFactoryCapabilities,
  ContainerSpec,
  LogStream,
} from '../../common/spi/container-factory';
import { BUILD_IMAGES_COMMAND } from '../../actions/runtime-image-names';
import { ActionNetwork, isNetworkGone } from './action-network';
import { ContainerImageError } from './container-image-error';
import { DockerContainer, removeContainer, statusCodeOf } from './docker-container';
import { hasNvidiaRuntime } from '../gpu/gpu-pinning';
import { DEFAULT_HARDENING, dockerCreateOptions, type ContainerHardening } from './docker-create-options';
import { LogBuffer } from './log-buffer';
import { newProxyToken } from './proxy-token';
import { waitForPort } from './wait-for-port';

// Action containers in the local Docker engine, with OpenWhisk's docker run flags (reference
// openwhisk-core §6.4) on a bridge network the project owns. Every container carries the
// prefix and invoker-id labels, and only this invoker's are ever removed as orphans. The
// network's lifecycle, and the API relay on its gateway, is action-network.ts.

export interface DockerContainerFactoryOptions {
  readonly invokerId: string;
  readonly naming: Naming;
  readonly logger: Logger;
  /** The managed runtime images, checked at init (a blackbox action's image is checked when it is run). */
  readonly images: Readonly<Partial<Record<RuntimeFamily, string>>>;
  readonly docker?: Dockerode;
  /** Bridge network the containers join; `naming.networkName()` by default. */
  readonly network?: string;
  /**
   * The API host actions call, handed to every container as __OW_API_HOST unless the spec sets
   * it. One on the host's loopback is relayed from the network's gateway (see api-relay.ts).
   */
  readonly apiHostForContainers?: string;
  /** The invoker's user memory: CPU shares are this container's part of it, as OpenWhisk sizes them. */
  readonly userMemoryMb?: number;
  readonly startTimeoutMs?: number;
  readonly maxLogBufferBytes?: number;
  /** Limits every container gets (docker-create-options.ts); DEFAULT_HARDENING when absent. */
  readonly hardening?: ContainerHardening;
  /** How many GPUs the invoker has: with some and no NVIDIA runtime on the engine, init says so once. */
  readonly gpus?: number;
}

const CAPABILITIES: ContainerFactoryCapabilities = { enforcesMemory: true, reportsOom: true, canPause: true };
const RUNTIME_PORT = 8080;

export class DockerContainerFactory implements ContainerFactory {
  readonly capabilities = CAPABILITIES;
  private readonly docker: Dockerode;
  private readonly network: ActionNetwork;
  private readonly logger: Logger;
  private readonly containers = new Set<DockerContainer>();
  /** Whether `docker info` lists the NVIDIA runtime; read at init. */
  private nvidiaRuntime = false;

  constructor(private readonly options: DockerContainerFactoryOptions) {
    this.docker = options.docker ?? new Dockerode();
    this.logger = options.logger.child({ component: 'docker-container-factory' });
    this.network = new ActionNetwork({
      docker: this.docker,
      name: options.network ?? options.naming.networkName(),
      naming: options.naming,
      logger: this.logger,
      ...(options.apiHostForContainers !== undefined ? { apiHostForContainers: options.apiHostForContainers } : {}),
    });
  }

  async init(): Promise<void> {
    this.nvidiaRuntime = hasNvidiaRuntime(await this.docker.info());
    if ((this.options.gpus ?? 0) > 0 && !this.nvidiaRuntime) {
      this.logger.warn({ gpus: this.options.gpus }, 'GPUs are declared but the Docker engine has no NVIDIA runtime: GPU containers get NVIDIA_VISIBLE_DEVICES and CUDA_VISIBLE_DEVICES only, no devices');
    }
    await this.network.ensure();
    await this.checkImages();
    await this.removeOwned('orphan');
    await this.network.reachApiHost();
  }

  /**
   * The network is shared by the invokers of a prefix and removed by the last one out while no
   * container uses it: an idle invoker can find it gone. It is then made again (and the relay
   * moved to its gateway) rather than failing every later activation.
   */
  async create(spec: ContainerSpec): Promise<Container> {
    if (spec.family === 'blackbox') await this.checkBlackboxImage(spec.image);
    try {
      return await this.createOnce(spec);
    } catch (error) {
      if (!isNetworkGone(error)) throw error;
      this.logger.warn({ network: this.network.name }, 'the action network is gone (another invoker of the prefix removed it): making it again');
      await this.network.recreate();
      return this.createOnce(spec);
    }
  }

  private async createOnce(spec: ContainerSpec): Promise<Container> {
    const proxyToken = newProxyToken();
    const container = await this.docker.createContainer(this.containerOptions(spec, proxyToken));
    const logs = new LogBuffer({ maxBufferedBytes: this.options.maxLogBufferBytes });
    let output: Readable | undefined;
    let waitingForReady = false;
    let exitedDuringStart = false;
    try {
      // Attached before start, so not a byte the runtime prints is missed.
      output = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable;
      const exited = new AbortController();
      const ended = () => {
        logs.end();
        exitedDuringStart = true;
        exited.abort(new Error('the runtime exited during start'));
      };
      output.once('end', ended);
      output.once('close', ended);
      output.on('error', ended);
      this.docker.modem.demuxStream(output, logSink(logs, 'stdout'), logSink(logs, 'stderr'));
      await container.start();
      const address = (await container.inspect()).NetworkSettings.Networks[this.network.name]?.IPAddress;
      if (!address) throw new Error(`no address on network ${this.network.name}`);
      // Polled every millisecond: a refused connect on the bridge costs microseconds, and each
      // millisecond of polling delay is a millisecond of every cold start.
      waitingForReady = true;
      await waitForPort(address, RUNTIME_PORT, { timeoutMs: spec.readyTimeoutMs ?? this.options.startTimeoutMs ?? 10_000, intervalMs: 1, signal: exited.signal });
      const created: DockerContainer = new DockerContainer(container, spec.name, `http://${address}:${RUNTIME_PORT}`, proxyToken, logs, output, () =>
        this.containers.delete(created),
      );
      this.containers.add(created);
      return created;
    } catch (error) {
      // Read before the stream is destroyed below, which ends it too.
      const exitedFirst = exitedDuringStart;
      output?.destroy();
      logs.end();
      await removeContainer(container).catch((removeError: unknown) =>
        this.logger.warn({ err: removeError, container: spec.name }, 'could not remove a container that failed to start'),
      );
      const startupLogs = await logs.collect({ limitBytes: 4096, waitForSentinel: false, timeoutMs: 0 });
      const printed = startupLogs.lines.map((l) => l.text).join('\n');
      // The engine did its part; a blackbox that then never listens or ends is its image's fault.
      if (spec.family === 'blackbox' && waitingForReady) {
        throw new ContainerImageError(spec.image, exitedFirst ? 'exited' : 'never-ready', `container ${spec.name} did not start: ${(error as Error).message}${printed ? `\n${printed}` : ''}`);
      }
      throw new Error(`container ${spec.name} did not start: ${(error as Error).message}${printed ? `\n${printed}` : ''}`, { cause: error });
    }
  }

  private containerOptions(spec: ContainerSpec, proxyToken: string): Dockerode.ContainerCreateOptions {
    return dockerCreateOptions(spec, {
      hardening: this.options.hardening ?? DEFAULT_HARDENING,
      networkRef: this.network.ref,
      apiHost: this.network.apiHostEnv,
      labels: this.labels(),
      userMemoryMb: this.options.userMemoryMb ?? 4096,
      nvidiaRuntime: this.nvidiaRuntime,
      proxyToken,
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.containers].map((c) => c.destroy()));
    // Also whatever a failed create or an earlier crash left with this invoker's labels.
    await this.removeOwned('leftover');
    await this.network.close();
  }

  private labels(): Record<string, string> {
    return this.options.naming.containerLabels(this.options.invokerId);
  }

  private async checkImages(): Promise<void> {
    const missing: string[] = [];
    for (const [family, image] of Object.entries(this.options.images)) {
      try {
        await this.docker.getImage(image).inspect();
      } catch (error) {
        if (statusCodeOf(error) !== 404) throw error;
        missing.push(`'${image}' (${family})`);
      }
    }
    if (missing.length > 0) {
      throw new Error(`runtime image ${missing.join(', ')} is not in the local Docker engine; build it with '${BUILD_IMAGES_COMMAND}'`);
    }
  }

  /**
   * No registry is reachable, so a blackbox image is never pulled: it must already be in the
   * engine, and one that is not fails as OpenWhisk's failed pull does.
   */
  private async checkBlackboxImage(image: string): Promise<void> {
    try {
      await this.docker.getImage(image).inspect();
    } catch (error) {
      if (statusCodeOf(error) === 404) throw new ContainerImageError(image, 'missing', `image '${image}' is not in the local Docker engine (nothing is pulled)`);
      throw error;
    }
  }

  private async removeOwned(what: 'orphan' | 'leftover'): Promise<void> {
    const labels = this.labels();
    const found = await this.docker.listContainers({
      all: true,
      filters: { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) },
    });
    await Promise.all(
      found.map(async (info) => {
        const container = this.docker.getContainer(info.Id);
        if (info.State === 'paused') await container.unpause().catch(() => undefined);
        await removeContainer(container);
      }),
    );
    if (found.length > 0) this.logger.info({ containers: found.map((c) => c.Names[0]), count: found.length }, `removed ${what} containers of this invoker`);
  }
}

function logSink(logs: LogBuffer, stream: LogStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.write(stream, chunk);
      callback();
    },
  });
}
