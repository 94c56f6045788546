import type { ChildProcess } from 'node:child_process';
import type { CollectedLogs, CollectOptions, Container, ContainerStatus } from '../../common/spi/container-factory';
import type { LogBuffer } from './log-buffer';

// A runtime proxy running as a local child process. Pause and resume are SIGSTOP and SIGCONT;
// nothing limits its memory, which is why the process factory declares it cannot.

export class ProcessContainer implements Container {
  readonly id: string;
  readonly baseUrl: string;
  private readonly exited: Promise<void>;
  private destroying: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    port: number,
    readonly proxyToken: string,
    private readonly logs: LogBuffer,
  ) {
    this.id = String(child.pid);
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.exited = hasExited(child)
      ? Promise.resolve()
      : new Promise((resolve) => {
          child.once('exit', () => resolve());
          // A process that could not be spawned at all reports an error and never exits.
          child.once('error', () => {
            if (child.pid === undefined) resolve();
          });
        });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async pause(): Promise<void> {
    this.signal('SIGSTOP');
  }

  async resume(): Promise<void> {
    this.signal('SIGCONT');
  }

  destroy(): Promise<void> {
    this.destroying ??= (async () => {
      if (!hasExited(this.child)) this.child.kill('SIGKILL');
      await this.exited;
      this.logs.end();
    })();
    return this.destroying;
  }

  collectLogs(options: CollectOptions): Promise<CollectedLogs> {
    return this.logs.collect(options);
  }

  async status(): Promise<ContainerStatus> {
    return { running: !hasExited(this.child), oomKilled: false };
  }

  private signal(signal: NodeJS.Signals): void {
    if (hasExited(this.child)) throw new Error(`container ${this.name} is not running`);
    this.child.kill(signal);
  }
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
}
