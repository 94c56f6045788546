import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStores, type EmbeddedStores } from '../../common/adapters/embedded/embedded-stores';
import { createMemoryMessageBus } from '../../common/adapters/memory/memory-message-bus';
import { createMemorySignalBus } from '../../common/adapters/memory/memory-signal-bus';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { silentLogger } from '../../common/logging/logger';
import { createNaming, type Naming } from '../../common/naming';
import type { MessageBus } from '../../common/spi/message-bus';
import type { SignalBus } from '../../common/spi/signal-bus';
import { loadControllerConfig } from '../../controller/config';
import { startController, type RunningController } from '../../controller/controller';
import { loadInvokerConfig } from '../../invoker/config';
import { ProcessContainerFactory } from '../../invoker/containers/process-container-factory';
import { createInvoker } from '../../invoker/create-invoker';
import type { InvokerService } from '../../invoker/invoker-service';
import { testRuntimeProxies } from './runtime-proxies';
import { TEST_MESSAGE_KEY_ENV } from './message-key';
import { DEV_KEYS_ENV } from './dev-keys';

// One controller on the standalone adapters (embedded stores in a temp dir, memory buses),
// listening on a free port, for HTTP contract tests; with `processInvoker`, a real invoker running
// process containers on the same buses and stores, as the standalone platform does in one process.

export interface ControllerUnderTestOptions {
  /** The key `call` sends; guest's unless given. */
  readonly auth?: string;
  /** More controller settings (WISP_* variables) on top of a free port and the prefix. */
  readonly controllerEnv?: Record<string, string>;
  /** Starts an invoker with process containers first, and waits until the controller counts it healthy. */
  readonly processInvoker?: boolean;
}

export interface ControllerUnderTest {
  readonly controller: RunningController;
  readonly stores: EmbeddedStores;
  readonly bus: MessageBus;
  readonly signals: SignalBus;
  readonly naming: Naming;
  /** The invoker when started with `processInvoker`. */
  readonly invoker: InvokerService | undefined;
  /** `fetch` against `/api/v1${path}` with the harness's key, with a JSON content type unless overridden. */
  call(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<Response>;
  /** `call` with another key (`uuid:key`). */
  callAs(auth: string, method: string, path: string, body?: string, headers?: Record<string, string>): Promise<Response>;
  stop(): Promise<void>;
}

export async function startControllerUnderTest(prefix: string, options: ControllerUnderTestOptions = {}): Promise<ControllerUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const stores = await openEmbeddedStores({ dataDir: dir, logger: silentLogger });
  const bus = createMemoryMessageBus({ logger: silentLogger });
  const signals = createMemorySignalBus({ logger: silentLogger });
  const naming = createNaming(prefix);
  let invoker: InvokerService | undefined;
  let controller: RunningController | undefined;
  const stop = async () => {
    await controller?.stop();
    await invoker?.stop();
    await bus.close();
    await signals.close();
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (options.processInvoker) {
      const invokerConfig = loadInvokerConfig({ ...TEST_MESSAGE_KEY_ENV, WISP_PREFIX: prefix, WISP_CONTAINER_FACTORY: 'process', WISP_INVOKER_DRAIN_MS: '2000' });
      const factory = new ProcessContainerFactory({ invokerId: invokerConfig.invokerId, naming, logger: silentLogger, proxies: testRuntimeProxies() });
      invoker = createInvoker({ config: invokerConfig, bus, signals, entities: stores.entities, activations: stores.activations, factory, logger: silentLogger });
      await invoker.start();
    }
    const config = loadControllerConfig({ ...TEST_MESSAGE_KEY_ENV, ...DEV_KEYS_ENV, ...options.controllerEnv, WISP_CONTROLLER_PORT: '0', WISP_PREFIX: prefix });
    controller = await startController({ config, logger: silentLogger, naming, bus, signals, entities: stores.entities, activations: stores.activations });
    if (invoker) await controller.registry.waitForHealthy(20_000);
  } catch (err) {
    // A half-started harness still closes what it opened, or jest would hang on it.
    await stop();
    throw err;
  }
  const running = controller;
  const callAs = (auth: string, method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    fetch(`${running.url}/api/v1${path}`, {
      method,
      headers: { Authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'Content-Type': 'application/json', ...headers },
      ...(body !== undefined ? { body } : {}),
    });
  return {
    controller: running,
    stores,
    bus,
    signals,
    naming,
    invoker,
    call: (method, path, body, headers) => callAs(options.auth ?? GUEST_AUTH, method, path, body, headers),
    callAs,
    stop,
  };
}
