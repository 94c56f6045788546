import { isIPv4 } from 'node:net';
import type Dockerode from 'dockerode';
import type { Logger } from '../../common/logging/logger';
import type { Naming } from '../../common/naming';
import { sleep } from '../../common/retry/retry';
import { startApiRelay, isLoopbackApiHost, type ApiRelay } from './api-relay';
import { statusCodeOf } from './docker-container';

// The bridge network action containers join, shared by the invokers of a prefix: created by
// whichever comes first (all settle on the oldest when several create it at once), made again
// when another invoker removed it, removed by the last one out. An API host on the host's
// loopback is relayed from the network's gateway, so the relay moves when the network does.
// Inter-container traffic is off on it: containers of different namespaces share the bridge,
// and one must never reach another's /init, /run or any port. The host (the invoker calling
// /run, the relay on the gateway) is still reachable.

export interface ActionNetworkOptions {
  readonly docker: Dockerode;
  readonly name: string;
  readonly naming: Naming;
  /** The API host actions call; one on the host's loopback is relayed (see api-relay.ts). */
  readonly apiHostForContainers?: string;
  readonly logger: Logger;
}

const NETWORK_SETTLE_MS = 150;
/** The bridge driver's switch for traffic between two containers of the network. */
export const ICC_OPTION = 'com.docker.network.bridge.enable_icc';

export class ActionNetwork {
  /** The network's id: two invokers starting at once can both create the name, and Docker then refuses the name as ambiguous. */
  private id: string | undefined;
  private relay: ApiRelay | undefined;
  private recovery: Promise<void> | undefined;
  private apiHost: string | undefined;

  constructor(private readonly options: ActionNetworkOptions) {}

  get name(): string {
    return this.options.name;
  }

  /** What a container's NetworkMode names: the id once known, else the name. */
  get ref(): string {
    return this.id ?? this.options.name;
  }

  /** __OW_API_HOST as containers can reach it. */
  get apiHostEnv(): string | undefined {
    return this.apiHost;
  }

  /** The network is gone (another invoker of the prefix removed it): it is made again, once however many creates noticed. */
  recreate(): Promise<void> {
    this.recovery ??= (async () => {
      this.id = undefined;
      await this.ensure();
      await this.reachApiHost();
    })().finally(() => (this.recovery = undefined));
    return this.recovery;
  }

  /** Stops the relay and removes the network unless containers of another invoker still use it. */
  async close(): Promise<void> {
    await this.relay?.close();
    this.relay = undefined;
    await this.removeIfUnused();
  }

  /** Starts the relay, or moves it when the network's gateway changed (running actions keep a relay on an unchanged one). */
  async reachApiHost(): Promise<void> {
    const apiHost = this.options.apiHostForContainers;
    if (!apiHost || !isLoopbackApiHost(new URL(apiHost))) {
      this.apiHost = apiHost;
      return;
    }
    const gateway = await this.gateway();
    if (this.relay?.listenHost === gateway) return;
    await this.relay?.close();
    this.relay = await startApiRelay({ listenHost: gateway, target: new URL(apiHost), logger: this.options.logger });
    this.apiHost = this.relay.url;
  }

  /** The host's address on the action network, which only the host and its containers reach. */
  private async gateway(): Promise<string> {
    const info = (await this.options.docker.getNetwork(this.ref).inspect()) as { IPAM?: { Config?: Array<{ Gateway?: string }> } };
    const gateway = (info.IPAM?.Config ?? []).map((c) => c.Gateway).find((g): g is string => typeof g === 'string' && isIPv4(g));
    if (!gateway) throw new Error(`network ${this.name} has no IPv4 gateway for the API relay`);
    return gateway;
  }

  /**
   * Docker has room for only a few dozen bridge networks, so one left behind per prefix (every
   * test run has its own) would exhaust them. Another invoker of the same prefix may still be
   * attached: Docker then refuses, and the last one out removes it.
   */
  private async removeIfUnused(): Promise<void> {
    try {
      const network = this.options.docker.getNetwork(this.ref);
      const info = (await network.inspect()) as { Containers?: Record<string, unknown> };
      if (Object.keys(info.Containers ?? {}).length > 0) return;
      await network.remove();
    } catch (error) {
      const status = statusCodeOf(error);
      if (status !== 404 && status !== 403 && status !== 409) this.options.logger.warn({ err: error, network: this.name }, 'could not remove the action network');
    }
  }

  /**
   * Creates the network, or finds the one another invoker of the prefix created. One made
   * before inter-container traffic was turned off is made again while nothing uses it, and
   * refused while something does: the invoker must not put tenants on it.
   */
  async ensure(): Promise<void> {
    await this.ensureOnce();
    if (await this.isolated()) return;
    const info = (await this.options.docker.getNetwork(this.ref).inspect()) as { Containers?: Record<string, unknown> };
    if (Object.keys(info.Containers ?? {}).length > 0) {
      throw new Error(`network ${this.name} lets containers reach each other (${ICC_OPTION} is not false) and containers still use it: stop the invokers of prefix '${this.options.naming.prefix}' and remove it`);
    }
    this.options.logger.warn({ network: this.name }, 'the action network lets containers reach each other: making it again with inter-container traffic off');
    await this.options.docker.getNetwork(this.ref).remove().catch((error: unknown) => {
      if (statusCodeOf(error) !== 404) throw error;
    });
    this.id = undefined;
    await this.ensureOnce();
    if (!(await this.isolated())) throw new Error(`network ${this.name} was made again but still lets containers reach each other`);
  }

  private async isolated(): Promise<boolean> {
    const info = (await this.options.docker.getNetwork(this.ref).inspect()) as { Options?: Record<string, string> };
    return info.Options?.[ICC_OPTION] === 'false';
  }

  private async ensureOnce(): Promise<void> {
    const { docker, naming, logger } = this.options;
    let created: string | undefined;
    if ((await this.networksNamed()).length === 0) {
      try {
        const network = await docker.createNetwork({
          Name: this.name,
          Driver: 'bridge',
          CheckDuplicate: true,
          Options: { [ICC_OPTION]: 'false' },
          Labels: { [naming.containerLabelKey]: naming.prefix },
        });
        created = network.id;
        logger.info({ network: this.name }, 'created the action network');
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
        await sleep(NETWORK_SETTLE_MS);
        const again = await this.networksNamed();
        if (again.map((n) => n.Id).join() === named.map((n) => n.Id).join()) break;
        named = again;
      }
    }
    const [winner, ...others] = named;
    if (!winner) throw new Error(`network ${this.name} vanished while it was being created`);
    this.id = winner.Id;
    if (created && others.some((n) => n.Id === created)) {
      await docker.getNetwork(created).remove().catch(() => undefined);
    }
  }

  /** Networks with exactly this name (Docker's name filter matches substrings), oldest first. */
  private async networksNamed(): Promise<Array<{ Id: string; Created: string }>> {
    const found = (await this.options.docker.listNetworks({ filters: { name: [this.name] } })) as Array<{ Id: string; Name: string; Created: string }>;
    return found
      .filter((n) => n.Name === this.name)
      .sort((a, b) => (a.Created < b.Created ? -1 : a.Created > b.Created ? 1 : a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0));
  }
}

/** Docker's answer, at create or at start, for a container whose network was removed. */
export function isNetworkGone(error: unknown): boolean {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  return statusCodeOf(cause) === 404 && /network \S+ not found/i.test(String((cause as Error).message));
}
