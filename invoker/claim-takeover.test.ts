import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStores, type EmbeddedStores } from '../common/adapters/embedded/embedded-stores';
import { createMemoryMessageBus } from '../common/adapters/memory/memory-message-bus';
import { createMemorySignalBus } from '../common/adapters/memory/memory-signal-bus';
import { newTransactionId } from '../common/ids';
import { silentLogger } from '../common/logging/logger';
import { createNaming } from '../common/naming';
import type { MessageBus } from '../common/spi/message-bus';
import type { SignalBus } from '../common/spi/signal-bus';
import { ProcessContainerFactory } from './containers/process-container-factory';
import { loadInvokerConfig } from './config';
import { createInvoker } from './create-invoker';
import type { InvokerService } from './invoker-service';
import { annotationOf, InvokerHarness } from '../test/harness/invoker-harness';
import { testRuntimeProxies } from '../test/harness/runtime-proxies';
import { TEST_MESSAGE_KEY_ENV } from '../test/harness/message-key';

// A restarted invoker (same id, a new life) finds the claims its crashed predecessor left on
// what it was running: it takes them over at once instead of waiting out their expiry, while a
// claim of another invoker id is still respected. Real activations: memory buses, embedded
// stores, process containers.

jest.setTimeout(60_000);

const CLAIM_TTL_MS = 60_000;

describe('claims of a previous life of the same invoker id', () => {
  let dataDir: string;
  let stores: EmbeddedStores;
  let bus: MessageBus;
  let signals: SignalBus;
  let harness: InvokerHarness;
  let invoker: InvokerService;

  beforeAll(async () => {
    const naming = createNaming(`wisp-test-${newTransactionId().slice(0, 10)}`);
    bus = createMemoryMessageBus({ logger: silentLogger });
    signals = createMemorySignalBus({ logger: silentLogger });
    dataDir = mkdtempSync(join(tmpdir(), 'wisp-takeover-'));
    stores = await openEmbeddedStores({ dataDir, logger: silentLogger });
    harness = new InvokerHarness({ naming, bus, signals, entities: stores.entities, activations: stores.activations });
    await harness.open();
    const config = loadInvokerConfig({ ...TEST_MESSAGE_KEY_ENV, WISP_PREFIX: naming.prefix, WISP_INVOKER_ID: 'invoker0', WISP_CONTAINER_FACTORY: 'process', WISP_INVOKER_PREWARM_NODEJS: '0' });
    const factory = new ProcessContainerFactory({ invokerId: config.invokerId, naming, logger: silentLogger, proxies: testRuntimeProxies() });
    invoker = createInvoker({ config, bus, signals, entities: stores.entities, activations: stores.activations, factory, logger: silentLogger });
    await invoker.start();
  });

  afterAll(async () => {
    await invoker.stop();
    await harness.close();
    await bus.close();
    await signals.close();
    await stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("takes over its predecessor's live claim at once and runs the activation as attempt 2", async () => {
    const action = await harness.deploy('taken-over', 'function main() { return { ran: true }; }');
    const message = harness.message(action);
    // What the crashed life left: a claim far from expiry, under the same id.
    expect(await stores.activations.claim(message.activationId, 'invoker0@crashed', CLAIM_TTL_MS)).toEqual({ granted: true, attempt: 1 });
    await harness.send('invoker0', message);
    const record = await harness.recordAfterAck(message.activationId);
    expect(record.response).toMatchObject({ statusCode: 0, result: { ran: true } });
    expect(annotationOf(record, 'attempt')).toBe(2);
    expect(annotationOf(record, 'retryCount')).toBe(1);
    expect(invoker.stats.claimsTakenOver).toBe(1);
  });

  it("leaves another invoker's live claim alone and waits for its record", async () => {
    const action = await harness.deploy('held-elsewhere', 'function main() { return { ran: "here" }; }');
    const message = harness.message(action);
    expect(await stores.activations.claim(message.activationId, 'invoker1@alive', CLAIM_TTL_MS)).toEqual({ granted: true, attempt: 1 });
    const heldBefore = invoker.stats.claimsHeld;
    await harness.send('invoker0', message);
    for (let waited = 0; invoker.stats.claimsHeld === heldBefore && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(invoker.stats.claimsHeld).toBe(heldBefore + 1);
    expect(invoker.stats.claimsTakenOver).toBe(1);
    expect(await stores.activations.getById(message.activationId)).toBeUndefined();
  });
});
