import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_LIMITS } from '../common/entities/limits';
import { errorResponse } from '../common/entities/activation';
import { newActivationId } from '../common/ids';
import { silentLogger } from '../common/logging/logger';
import { createNaming } from '../common/naming';
import { ACTIVATION_MESSAGE_VERSION, type ActivationMessage } from '../common/protocol/activation-message';
import { LOG_SENTINEL } from '../common/protocol/runtime-protocol';
import type { CollectOptions, Container, ContainerFactory, ContainerStatus } from '../common/spi/container-factory';
import type { RunnableAction } from './action-cache';
import { ActivationMessages } from './activation-messages';
import { ActivationRunner, slotRequestFor, type RunnableSlot } from './activation-runner';
import { ContainerPool } from './pool/container-pool';
import { LogBuffer } from './containers/log-buffer';

// The runner against a scripted container: a real HTTP server stands in for the runtime proxy
// (so the action client's outcomes are the real ones), and the engine's answers about the
// container (status) and its output (logs) are played in the order a test gives.

const ACTION: RunnableAction = {
  entityType: 'action',
  namespace: 'guest',
  name: 'scripted',
  version: '0.0.1',
  publish: false,
  exec: { kind: 'nodejs:20', code: 'function main() {}', binary: false },
  parameters: [],
  annotations: [],
  limits: DEFAULT_LIMITS,
  updated: 0,
};

type RunHandler = (res: ServerResponse, container: ScriptedContainer, req: IncomingMessage) => void;

class ScriptedContainer implements Container {
  readonly id = 'scripted';
  readonly name = 'scripted';
  readonly proxyToken = 'scripted-token';
  readonly logs = new LogBuffer();
  statusCalls = 0;

  constructor(
    readonly baseUrl: string,
    /** Answered in order; the last one again once they run out. */
    private readonly statuses: readonly ContainerStatus[],
  ) {}

  async pause(): Promise<void> {}
  async resume(): Promise<void> {}
  async destroy(): Promise<void> {
    this.logs.end();
  }
  collectLogs(options: CollectOptions) {
    return this.logs.collect(options);
  }
  async status(): Promise<ContainerStatus> {
    this.statusCalls += 1;
    return this.statuses[Math.min(this.statusCalls, this.statuses.length) - 1]!;
  }
}

interface Scene {
  readonly container: ScriptedContainer;
  run(limits?: Partial<ActivationMessage['limits']>): ReturnType<ActivationRunner['run']>;
  close(): Promise<void>;
}

async function scene(onRun: RunHandler, statuses: readonly ContainerStatus[] = [{ running: true, oomKilled: false }]): Promise<Scene> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/init') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"OK":true}');
        return;
      }
      onRun(res, container, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const container = new ScriptedContainer(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, statuses);
  const factory: ContainerFactory = {
    capabilities: { enforcesMemory: true, reportsOom: true, canPause: false },
    init: async () => undefined,
    create: async () => container,
    close: async () => undefined,
  };
  const pool = new ContainerPool({ factory, userMemoryMb: 1024, idleContainerMs: 60_000, logger: silentLogger });
  await pool.start();
  const runner = new ActivationRunner({
    actions: { fetch: async () => ({ ok: true, action: ACTION }) },
    pool,
    naming: createNaming('runner-test'),
    invokerId: 'invoker0',
    runtimeImages: { nodejs: 'nodejs-image', python: 'python-image' },
    logger: silentLogger,
  });
  return {
    container,
    run: async (limits = {}) => {
      const message: ActivationMessage = {
        v: ACTIVATION_MESSAGE_VERSION,
        activationId: newActivationId(),
        transid: 'transid',
        controllerId: 'controller0',
        action: { namespace: 'guest', name: ACTION.name, revision: 'r1', version: ACTION.version },
        limits: { ...DEFAULT_LIMITS, ...limits },
        kind: ACTION.exec.kind,
        user: { subject: 'guest', namespace: 'guest', authKey: 'uuid:key' },
        content: {},
        blocking: true,
        acceptedAt: Date.now(),
      };
      const slot = await pool.reserve(slotRequestFor(message));
      return runner.run(message, slot as RunnableSlot, 1);
    },
    close: async () => {
      await pool.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The runtime's connection breaks; its output goes on (the process may still be alive). */
const drop: RunHandler = (res) => res.socket?.destroy();
/** The runtime process is killed: its connection breaks and its output ends. */
const die: RunHandler = (res, container) => {
  res.socket?.destroy();
  container.logs.end();
};
const running: ContainerStatus = { running: true, oomKilled: false };

describe('ActivationRunner: memory exhaustion', () => {
  let current: Scene | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  it('waits for the engine to record an OOM kill it reports only after the connection dropped', async () => {
    current = await scene(die, [running, running, running, { running: false, oomKilled: true }]);
    const record = await current.run();
    expect(record.response).toEqual(errorResponse(2, ActivationMessages.memoryExhausted));
    expect(current.container.statusCalls).toBe(4);
  });

  it('stops asking once the engine reports the container stopped without an OOM kill', async () => {
    current = await scene(die, [running, { running: false, oomKilled: false }]);
    const record = await current.run();
    expect(record.response).toEqual(errorResponse(2, ActivationMessages.runExitedUnexpectedly));
    expect(current.container.statusCalls).toBe(2);
  });

  it('gives up after a bounded wait when the container keeps running after a drop', async () => {
    current = await scene(drop, [running]);
    const record = await current.run();
    expect(record.response).toEqual(errorResponse(2, ActivationMessages.runExitedUnexpectedly));
    expect(current.container.statusCalls).toBeGreaterThan(2);
  });

  it('asks once after a timeout: the container is still busy with the action', async () => {
    current = await scene(() => undefined, [running]);
    const record = await current.run({ timeout: 200 });
    expect(record.response).toEqual(errorResponse(2, ActivationMessages.timedOut(200, false)));
    expect(current.container.statusCalls).toBe(1);
  });
});

describe('ActivationRunner: logs of a developer error', () => {
  let current: Scene | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  it("keeps the runtime's lines that arrive through the log stream after its error answer", async () => {
    current = await scene((res, container) => {
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'The action did not return a dictionary.' }));
      // The engine's log stream is slower than the answer over HTTP.
      setTimeout(() => {
        const logs = container.logs;
        logs.write('stdout', 'the action printed this\n');
        logs.write('stderr', 'Result must be of type object but has type "number": 42\n');
        logs.write('stdout', `${LOG_SENTINEL}\n`);
        logs.write('stderr', `${LOG_SENTINEL}\n`);
      }, 50);
    });
    const record = await current.run();
    expect(record.response).toEqual(errorResponse(2, 'The action did not return a dictionary.'));
    expect(record.logs.map((line) => line.replace(/^\S+\s+/, ''))).toEqual([
      'stdout: the action printed this',
      'stderr: Result must be of type object but has type "number": 42',
      `stderr: ${ActivationMessages.logsAfterDeveloperError}`,
    ]);
  });

  it('keeps what a timed-out action printed, without waiting for sentinels it will not print', async () => {
    current = await scene((_res, container) => container.logs.write('stdout', 'started\n'));
    const record = await current.run({ timeout: 300 });
    expect(record.response).toEqual(errorResponse(2, ActivationMessages.timedOut(300, false)));
    expect(record.logs.map((line) => line.replace(/^\S+\s+/, ''))).toEqual(['stdout: started', `stderr: ${ActivationMessages.logsAfterDeveloperError}`]);
  });
});

describe('ActivationRunner: where and how an activation ran', () => {
  let current: Scene | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  const annotation = (record: { annotations: readonly { key: string; value: unknown }[] }, key: string) => record.annotations.find((a) => a.key === key)?.value;

  it('annotates the invoker, the container, a cold then a warm start and the retry count', async () => {
    current = await scene((res, container) => {
      container.logs.write('stdout', `${LOG_SENTINEL}\n`);
      container.logs.write('stderr', `${LOG_SENTINEL}\n`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const cold = await current.run();
    expect(cold.response.statusCode).toBe(0);
    expect(annotation(cold, 'startKind')).toBe('cold');
    expect(annotation(cold, 'invokerId')).toBe('invoker0');
    expect(annotation(cold, 'containerId')).toBe('scripted');
    expect(annotation(cold, 'retryCount')).toBe(0);
    expect(annotation(cold, 'initTime')).toEqual(expect.any(Number));
    const warm = await current.run();
    expect(annotation(warm, 'startKind')).toBe('warm');
    expect(annotation(warm, 'containerId')).toBe('scripted');
    expect(annotation(warm, 'initTime')).toBeUndefined();
  });
});
