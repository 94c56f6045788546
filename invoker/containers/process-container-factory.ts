import { spawn } from 'node:child_process';
import type { RuntimeFamily } from '../../common/entities/action';
import type { Logger } from '../../common/logging/logger';
import type { Naming } from '../../common/naming';
import type { Container, ContainerFactory, ContainerFactoryCapabilities, ContainerSpec } from '../../common/spi/container-factory';
import { bundleRuntime } from '../../actions/runtime-bundle';
import { reapOnExit } from './child-reaper';
import { freePort } from './free-port';
import { LogBuffer } from './log-buffer';
import { ProcessContainer } from './process-container';
import { findLabelledProcesses, labelArguments } from './process-labels';
import { waitForPort } from './wait-for-port';

// Containers as local child processes running the same bundled runtime proxy the images
// carry: what standalone mode uses when no Docker engine answers, and what unit tests use.

export interface ProcessContainerFactoryOptions {
  readonly invokerId: string;
  readonly naming: Naming;
  readonly logger: Logger;
  /** Bundled proxy per family; bundled (and cached) on first use when absent. */
  readonly scripts?: Partial<Record<RuntimeFamily, string>>;
  /** The node that runs the proxies; this process's own by default. */
  readonly nodeBinary?: string;
  /** Environment every runtime starts with, below the spec's own (a container inherits nothing). */
  readonly baseEnv?: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
  readonly maxLogBufferBytes?: number;
}

const CAPABILITIES: ContainerFactoryCapabilities = { enforcesMemory: false, reportsOom: false, canPause: true };
const START_ATTEMPTS = 3;
const ORPHAN_EXIT_WAIT_MS = 2000;
const STARTUP_STDERR_LIMIT = 4096;

export class ProcessContainerFactory implements ContainerFactory {
  readonly capabilities = CAPABILITIES;
  private readonly scripts: Partial<Record<RuntimeFamily, string>>;
  private readonly containers = new Set<ProcessContainer>();
  private readonly logger: Logger;

  constructor(private readonly options: ProcessContainerFactoryOptions) {
    this.scripts = { ...options.scripts };
    this.logger = options.logger.child({ component: 'process-container-factory' });
  }

  async init(): Promise<void> {
    await this.script('nodejs');
    const mine = new Set([...this.containers].map((c) => c.pid));
    const orphans = (await findLabelledProcesses(this.labels())).filter((pid) => !mine.has(pid));
    for (const pid of orphans) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (orphans.length === 0) return;
    this.logger.info({ pids: orphans }, 'killed orphaned runtime processes of this invoker');
    // SIGKILL is delivered asynchronously; return once none of them is left.
    const deadline = Date.now() + ORPHAN_EXIT_WAIT_MS;
    while (Date.now() < deadline) {
      const left = await findLabelledProcesses(this.labels());
      if (!orphans.some((pid) => left.includes(pid))) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.logger.warn({ pids: orphans }, 'orphaned runtime processes still listed after SIGKILL');
  }

  async create(spec: ContainerSpec): Promise<Container> {
    const script = await this.script(spec.family);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.start(spec, script);
      } catch (error) {
        // The free port may be taken between choosing and binding it; any other failure is final.
        if (!(error instanceof PortTakenError) || attempt >= START_ATTEMPTS) throw error;
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.containers].map((c) => c.destroy()));
  }

  private async start(spec: ContainerSpec, script: string): Promise<ProcessContainer> {
    const port = await freePort();
    const labels = { ...spec.labels, ...this.labels() };
    const child = spawn(this.options.nodeBinary ?? process.execPath, [script, `--wisp-name=${spec.name}`, ...labelArguments(labels)], {
      env: { ...this.options.baseEnv, ...spec.env, PORT: String(port), WISP_RUNTIME_HOST: '127.0.0.1', WISP_RUNTIME_EXIT_WITH_STDIN: 'true' },
      // stdin is never written: the runtime exits when it closes, i.e. when this process is gone.
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    reapOnExit(child);
    const logs = new LogBuffer({ maxBufferedBytes: this.options.maxLogBufferBytes });
    let starting = true;
    let startupStderr = '';
    let open = 2;
    const closed = () => {
      open -= 1;
      if (open === 0) logs.end();
    };
    child.stdout.on('data', (chunk: Buffer) => logs.write('stdout', chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      logs.write('stderr', chunk);
      if (starting && startupStderr.length < STARTUP_STDERR_LIMIT) startupStderr += chunk.toString('utf8');
    });
    child.stdout.once('close', closed);
    child.stderr.once('close', closed);

    const container = new ProcessContainer(spec.name, child, port, logs);
    const exited = new AbortController();
    child.once('exit', (code, signal) => exited.abort(new Error(`the runtime exited during start (${signal ?? `code ${code}`})`)));
    child.on('error', (error) => exited.abort(error));
    try {
      await waitForPort('127.0.0.1', port, { timeoutMs: this.options.startTimeoutMs ?? 10_000, signal: exited.signal });
    } catch (error) {
      await container.destroy();
      const stderr = startupStderr.trim();
      const message = `container ${spec.name} did not start: ${(error as Error).message}${stderr ? `\n${stderr}` : ''}`;
      throw stderr.includes('EADDRINUSE') ? new PortTakenError(message) : new Error(message);
    }
    starting = false;
    this.containers.add(container);
    child.once('exit', () => this.containers.delete(container));
    return container;
  }

  private async script(family: RuntimeFamily): Promise<string> {
    this.scripts[family] ??= (await bundleRuntime(family)).file;
    return this.scripts[family];
  }

  private labels(): Record<string, string> {
    return this.options.naming.containerLabels(this.options.invokerId);
  }
}

class PortTakenError extends Error {
  override readonly name = 'PortTakenError';
}
