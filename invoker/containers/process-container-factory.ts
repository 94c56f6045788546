import { execFile, spawn } from 'node:child_process';
import { gpuEnv } from '../gpu/gpu-pinning';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { RuntimeFamily } from '../../common/entities/action';
import type { Logger } from '../../common/logging/logger';
import type { Naming } from '../../common/naming';
import { brandedError, brandGuard } from '../../common/protocol/branded-error';
import { PROXY_TOKEN_ENV } from '../../common/protocol/runtime-protocol';
import { retry } from '../../common/retry/retry';
import type { Container, ContainerFactory, ContainerFactoryCapabilities, ContainerSpec } from '../../common/spi/container-factory';
import type { RuntimeProxyFiles } from '../../actions/runtime-proxy-files';
import { ContainerImageError } from './container-image-error';
import { reapOnExit } from './child-reaper';
import { freePort } from './free-port';
import { LogBuffer } from './log-buffer';
import { newProxyToken } from './proxy-token';
import { ProcessContainer } from './process-container';
import { findLabelledProcesses, labelArguments } from './process-labels';
import { waitForPort } from './wait-for-port';

// Containers as local child processes running the same runtime proxies the images carry (the
// nodejs bundle under this node, proxy.py under the host's python3): what standalone mode uses
// when no Docker engine answers, and what unit tests use. A blackbox action's image cannot run
// here; create() refuses it as the action's problem, not the platform's.

export interface ProcessContainerFactoryOptions {
  readonly invokerId: string;
  readonly naming: Naming;
  readonly logger: Logger;
  /** Proxy per family, prebuilt: the nodejs bundle and proxy.py (`builtRuntimeProxies()` in a built tree). */
  readonly proxies: RuntimeProxyFiles;
  /** The node that runs the nodejs proxy; this process's own by default. */
  readonly nodeBinary?: string;
  /** The python that runs the python proxy, looked up on this process's PATH: `python3` by default. */
  readonly pythonBinary?: string;
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
  private readonly containers = new Set<ProcessContainer>();
  private readonly logger: Logger;
  private python: Promise<string> | undefined;

  constructor(private readonly options: ProcessContainerFactoryOptions) {
    this.logger = options.logger.child({ component: 'process-container-factory' });
  }

  async init(): Promise<void> {
    await access(this.options.proxies.nodejs).catch((error: unknown) => {
      throw new Error(`the nodejs runtime proxy bundle ${this.options.proxies.nodejs} is not readable`, { cause: error });
    });
    // Python is optional on a host: without it only python actions fail, so say so once, early.
    await this.pythonBinary().catch((error: unknown) =>
      this.logger.warn({ err: error }, 'no python3 found: python actions will fail to start on this invoker'),
    );
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
    if (spec.family === 'blackbox') throw new ContainerImageError(spec.image, 'unsupported', `process containers cannot run the image '${spec.image}'`);
    const command = await this.command(spec.family);
    return retry(() => this.start(spec, command), {
      attempts: START_ATTEMPTS,
      // The free port may be taken between choosing and binding it; any other failure is final.
      retryIf: isPortTakenError,
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.containers].map((c) => c.destroy()));
  }

  private async start(spec: ContainerSpec, command: RuntimeCommand): Promise<ProcessContainer> {
    const port = await freePort();
    const labels = { ...spec.labels, ...this.labels() };
    const proxyToken = newProxyToken();
    const child = spawn(command.binary, [command.script, `--wisp-name=${spec.name}`, ...labelArguments(labels)], {
      env: {
        ...command.env,
        ...this.options.baseEnv,
        ...spec.env,
        ...gpuEnv(spec.gpus, 'process'),
        PORT: String(port),
        WISP_RUNTIME_HOST: '127.0.0.1',
        WISP_RUNTIME_EXIT_WITH_STDIN: 'true',
        // Not an argument: arguments are on every process listing; the environment is the owner's.
        [PROXY_TOKEN_ENV]: proxyToken,
      },
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

    const container = new ProcessContainer(spec.name, child, port, proxyToken, logs);
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

  private async command(family: RuntimeFamily): Promise<RuntimeCommand> {
    if (family === 'python') return { binary: await this.pythonBinary(), script: this.options.proxies.python, env: PYTHON_ENV };
    return { binary: this.options.nodeBinary ?? process.execPath, script: this.options.proxies.nodejs, env: {} };
  }

  /**
   * The interpreter's own path, asked of `python3` once: a runtime starts with an empty
   * environment, where neither PATH nor a version manager's shim would find it.
   */
  private pythonBinary(): Promise<string> {
    this.python ??= promisify(execFile)(this.options.pythonBinary ?? 'python3', ['-c', 'import sys; print(sys.executable)'], { timeout: 10_000 }).then(
      ({ stdout }) => {
        const path = stdout.trim();
        if (!path) throw new Error('python3 did not report its executable');
        return path;
      },
    );
    // A failed lookup is retried by the next create, not cached.
    this.python.catch(() => (this.python = undefined));
    return this.python;
  }

  private labels(): Record<string, string> {
    return this.options.naming.containerLabels(this.options.invokerId);
  }
}

interface RuntimeCommand {
  readonly binary: string;
  readonly script: string;
  readonly env: Readonly<Record<string, string>>;
}

// Whatever the host's locale, the action's output and arguments are UTF-8.
const PYTHON_ENV: Readonly<Record<string, string>> = { PYTHONUTF8: '1', PYTHONDONTWRITEBYTECODE: '1' };

class PortTakenError extends brandedError('PortTakenError') {}

const isPortTakenError = brandGuard(PortTakenError);
