import { isIPv4 } from 'node:net';
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
import { startApiRelay, isLoopbackApiHost, type ApiRelay } from './api-relay';
import { ContainerImageError } from './container-image-error';
import { DockerContainer, removeContainer, statusCodeOf } from './docker-container';
import { LogBuffer } from './log-buffer';
import { waitForPort } from './wait-for-port';

// Action containers in the local Docker engine, with OpenWhisk's docker run flags (reference
// openwhisk-core §6.4) on a bridge network the project owns. Every container carries the
// prefix and invoker-id labels, and only this invoker's are ever removed as orphans.

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
}

const CAPABILITIES: ContainerFactoryCapabilities = { enforcesMemory: true, reportsOom: true, canPause: true };
const RUNTIME_PORT = 8080;
const MIB = 1024 * 1024;
const NETWORK_SETTLE_MS = 150;

export class DockerContainerFactory implements ContainerFactory {
  readonly capabilities = CAPABILITIES;
  private readonly docker: Dockerode;
  private readonly network: string;
  /** The network's id: two invokers starting at once can both create the name, and Docker then refuses the name as ambiguous. */
  private networkId: string | undefined;
  private readonly logger: Logger;
  private readonly containers = new Set<DockerContainer>();
  private relay: ApiRelay | undefined;
  private networkRecovery: Promise<void> | undefined;
  /** __OW_API_HOST as containers can reach it. */
  private apiHostEnv: string | undefined;

  constructor(private readonly options: DockerContainerFactoryOptions) {
    this.docker = options.docker ?? new Dockerode();
    this.network = options.network ?? options.naming.networkName();
    this.logger = options.logger.child({ component: 'docker-container-factory' });
  }

  async init(): Promise<void> {
    await this.ensureNetwork();
    await this.checkImages();
    await this.removeOwned('orphan');
    await this.reachApiHost();
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
      this.logger.warn({ network: this.network }, 'the action network is gone (another invoker of the prefix removed it): making it again');
      await this.recoverNetwork();
      return this.createOnce(spec);
    }
  }

  private async createOnce(spec: ContainerSpec): Promise<Container> {
    const container = await this.docker.createContainer(this.containerOptions(spec));
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
      const address = (await container.inspect()).NetworkSettings.Networks[this.network]?.IPAddress;
      if (!address) throw new Error(`no address on network ${this.network}`);
      // Polled every millisecond: a refused connect on the bridge costs microseconds, and each
      // millisecond of polling delay is a millisecond of every cold start.
      waitingForReady = true;
      await waitForPort(address, RUNTIME_PORT, { timeoutMs: spec.readyTimeoutMs ?? this.options.startTimeoutMs ?? 10_000, intervalMs: 1, signal: exited.signal });
      const created: DockerContainer = new DockerContainer(container, spec.name, `http://${address}:${RUNTIME_PORT}`, logs, output, () =>
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

  private recoverNetwork(): Promise<void> {
    this.networkRecovery ??= (async () => {
      this.networkId = undefined;
      await this.ensureNetwork();
      await this.reachApiHost();
    })().finally(() => (this.networkRecovery = undefined));
    return this.networkRecovery;
  }

  private containerOptions(spec: ContainerSpec): Dockerode.ContainerCreateOptions {
    const env = { ...(this.apiHostEnv ? { __OW_API_HOST: this.apiHostEnv } : {}), ...spec.env };
    return {
      name: spec.name,
      Image: spec.image,
      Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
      Labels: { ...spec.labels, ...this.labels() },
      HostConfig: {
        Memory: spec.memoryMb * MIB,
        MemorySwap: spec.memoryMb * MIB,
        CpuShares: cpuShares(spec.memoryMb, this.options.userMemoryMb ?? 4096),
        PidsLimit: 1024,
        SecurityOpt: ['no-new-privileges'],
        CapDrop: ['NET_RAW', 'NET_ADMIN'],
        Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 1024 }],
        NetworkMode: this.networkId ?? this.network,
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '1' } },
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.containers].map((c) => c.destroy()));
    // Also whatever a failed create or an earlier crash left with this invoker's labels.
    await this.removeOwned('leftover');
    await this.relay?.close();
    this.relay = undefined;
    await this.removeNetworkIfUnused();
  }

  /** Starts the relay, or moves it when the network's gateway changed (running actions keep a relay on an unchanged one). */
  private async reachApiHost(): Promise<void> {
    const apiHost = this.options.apiHostForContainers;
    if (!apiHost || !isLoopbackApiHost(new URL(apiHost))) {
      this.apiHostEnv = apiHost;
      return;
    }
    const gateway = await this.networkGateway();
    if (this.relay?.listenHost === gateway) return;
    await this.relay?.close();
    this.relay = await startApiRelay({ listenHost: gateway, target: new URL(apiHost), logger: this.logger });
    this.apiHostEnv = this.relay.url;
  }

  /** The host's address on the action network, which only the host and its containers reach. */
  private async networkGateway(): Promise<string> {
    const info = (await this.docker.getNetwork(this.networkId ?? this.network).inspect()) as { IPAM?: { Config?: Array<{ Gateway?: string }> } };
    const gateway = (info.IPAM?.Config ?? []).map((c) => c.Gateway).find((g): g is string => typeof g === 'string' && isIPv4(g));
    if (!gateway) throw new Error(`network ${this.network} has no IPv4 gateway for the API relay`);
    return gateway;
  }

  /**
   * Docker has room for only a few dozen bridge networks, so one left behind per prefix (every
   * test run has its own) would exhaust them. Another invoker of the same prefix may still be
   * attached: Docker then refuses, and the last one out removes it.
   */
  private async removeNetworkIfUnused(): Promise<void> {
    try {
      const network = this.docker.getNetwork(this.networkId ?? this.network);
      const info = (await network.inspect()) as { Containers?: Record<string, unknown> };
      if (Object.keys(info.Containers ?? {}).length > 0) return;
      await network.remove();
    } catch (error) {
      const status = statusCodeOf(error);
      if (status !== 404 && status !== 403 && status !== 409) this.logger.warn({ err: error, network: this.network }, 'could not remove the action network');
    }
  }

  private labels(): Record<string, string> {
    return this.options.naming.containerLabels(this.options.invokerId);
  }

  private async ensureNetwork(): Promise<void> {
    let created: string | undefined;
    if ((await this.networksNamed()).length === 0) {
      try {
        const network = await this.docker.createNetwork({
          Name: this.network,
          Driver: 'bridge',
          CheckDuplicate: true,
          Labels: { [this.options.naming.containerLabelKey]: this.options.naming.prefix },
        });
        created = network.id;
        this.logger.info({ network: this.network }, 'created the action network');
      } catch (error) {
        // Another invoker of the same prefix created it meanwhile.
        if (statusCodeOf(error) !== 409) throw error;
      }
    }
    // CheckDuplicate is best effort: invokers starting together can each create one. All of
    // them settle on the oldest, and a loser removes its own while nothing uses it yet. A
    // creator decides only on a settled view: another creator's network may appear a moment
    // after its own, yet be the older one.
    let named = await this.networksNamed();
    if (created) {
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, NETWORK_SETTLE_MS));
        const again = await this.networksNamed();
        if (again.map((n) => n.Id).join() === named.map((n) => n.Id).join()) break;
        named = again;
      }
    }
    const [winner, ...others] = named;
    if (!winner) throw new Error(`network ${this.network} vanished while it was being created`);
    this.networkId = winner.Id;
    if (created && others.some((n) => n.Id === created)) {
      await this.docker.getNetwork(created).remove().catch(() => undefined);
    }
  }

  /** Networks with exactly this name (Docker's name filter matches substrings), oldest first. */
  private async networksNamed(): Promise<Array<{ Id: string; Created: string }>> {
    const found = (await this.docker.listNetworks({ filters: { name: [this.network] } })) as Array<{ Id: string; Name: string; Created: string }>;
    return found
      .filter((n) => n.Name === this.network)
      .sort((a, b) => (a.Created < b.Created ? -1 : a.Created > b.Created ? 1 : a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0));
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

/** Docker's answer, at create or at start, for a container whose network was removed. */
function isNetworkGone(error: unknown): boolean {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  return statusCodeOf(cause) === 404 && /network \S+ not found/i.test(String((cause as Error).message));
}

/** OpenWhisk's `max(1024 / (userMemory / memory), 2)`: CPU weight in proportion to memory. */
export function cpuShares(memoryMb: number, userMemoryMb: number): number {
  return Math.max(2, Math.floor((1024 * memoryMb) / userMemoryMb));
}

function logSink(logs: LogBuffer, stream: LogStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.write(stream, chunk);
      callback();
    },
  });
}
