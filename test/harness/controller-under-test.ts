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

// One controller on the standalone adapters (embedded stores in a temp dir, memory buses),
// listening on a free port, for HTTP contract tests that need no invoker.

export interface ControllerUnderTest {
  readonly controller: RunningController;
  readonly stores: EmbeddedStores;
  readonly bus: MessageBus;
  readonly signals: SignalBus;
  readonly naming: Naming;
  /** `fetch` against `/api/v1${path}` as guest, with a JSON content type unless overridden. */
  call(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<Response>;
  stop(): Promise<void>;
}

export async function startControllerUnderTest(prefix: string, auth = GUEST_AUTH): Promise<ControllerUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const stores = await openEmbeddedStores({ dataDir: dir, logger: silentLogger });
  const bus = createMemoryMessageBus({ logger: silentLogger });
  const signals = createMemorySignalBus({ logger: silentLogger });
  const naming = createNaming(prefix);
  const config = loadControllerConfig({ WISP_CONTROLLER_PORT: '0', WISP_PREFIX: prefix });
  const controller = await startController({ config, logger: silentLogger, naming, bus, signals, entities: stores.entities, activations: stores.activations });
  const authHeader = `Basic ${Buffer.from(auth).toString('base64')}`;
  return {
    controller,
    stores,
    bus,
    signals,
    naming,
    call: (method, path, body, headers = {}) =>
      fetch(`${controller.url}/api/v1${path}`, { method, headers: { Authorization: authHeader, 'Content-Type': 'application/json', ...headers }, ...(body !== undefined ? { body } : {}) }),
    stop: async () => {
      await controller.stop();
      await bus.close();
      await signals.close();
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
