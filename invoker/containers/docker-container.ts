import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { CollectedLogs, CollectOptions, Container, ContainerStatus, ContainerUsage } from '../../common/spi/container-factory';
import { CgroupUsage } from './cgroup-usage';
import type { LogBuffer } from './log-buffer';

// One Docker action container. Its output was attached at creation and flows into `logs`;
// destroy is a forced remove, which also ends that attach stream.

export class DockerContainer implements Container {
  private destroying: Promise<void> | undefined;
  private cgroup: CgroupUsage | undefined;

  constructor(
    private readonly container: Dockerode.Container,
    readonly name: string,
    readonly baseUrl: string,
    readonly proxyToken: string,
    private readonly logs: LogBuffer,
    private readonly output: Readable,
    private readonly onDestroyed: () => void,
  ) {}

  get id(): string {
    return this.container.id;
  }

  async pause(): Promise<void> {
    await this.container.pause();
  }

  async resume(): Promise<void> {
    await this.container.unpause();
  }

  destroy(): Promise<void> {
    this.destroying ??= (async () => {
      try {
        await removeContainer(this.container);
      } finally {
        this.output.destroy();
        this.logs.end();
        this.onDestroyed();
      }
    })();
    return this.destroying;
  }

  collectLogs(options: CollectOptions): Promise<CollectedLogs> {
    return this.logs.collect(options);
  }

  usage(): Promise<ContainerUsage | undefined> {
    this.cgroup ??= new CgroupUsage(this.container.id);
    return this.cgroup.read();
  }

  async status(): Promise<ContainerStatus> {
    try {
      const { State } = await this.container.inspect();
      return { running: State.Running, oomKilled: State.OOMKilled };
    } catch (error) {
      if (statusCodeOf(error) === 404) return { running: false, oomKilled: false };
      throw error;
    }
  }
}

/** Forced remove that treats "already gone" and "already being removed" as done. */
export async function removeContainer(container: Dockerode.Container): Promise<void> {
  try {
    await container.remove({ force: true });
  } catch (error) {
    const status = statusCodeOf(error);
    if (status === 404) return;
    if (status === 409 && /already in progress/i.test(String((error as Error).message))) return;
    throw error;
  }
}

export function statusCodeOf(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}
