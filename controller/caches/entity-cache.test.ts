import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStores, type EmbeddedStores } from '../../common/adapters/embedded/embedded-stores';
import { createMemoryMessageBus } from '../../common/adapters/memory/memory-message-bus';
import { createMemorySignalBus } from '../../common/adapters/memory/memory-signal-bus';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { silentLogger } from '../../common/logging/logger';
import { createNaming } from '../../common/naming';
import type { EntityDocument } from '../../common/spi/entity-store';
import type { MessageBus } from '../../common/spi/message-bus';
import type { SignalBus } from '../../common/spi/signal-bus';
import { eventually } from '../../test/harness/eventually';
import { loadControllerConfig } from '../config';
import { startController, type RunningController } from '../controller';
import { startEntityCache, type EntityCache } from './entity-cache';
import { TEST_MESSAGE_KEY_ENV } from '../../test/harness/message-key';
import { DEV_KEYS_ENV } from '../../test/harness/dev-keys';

// The entity cache over the embedded store and the memory signal bus: it serves from memory
// within its TTL, its own writes are seen at once, and a write through another cache (another
// controller) reaches it over the signal bus long before the TTL. Then the same through two
// whole controllers over HTTP.

interface Doc extends EntityDocument {
  readonly entityType: 'action';
  readonly value: number;
}
const doc = (value: number): Doc => ({ entityType: 'action', value });

let dir: string;
let stores: EmbeddedStores;
let signals: SignalBus;
const caches: EntityCache[] = [];
const naming = createNaming(`unit-entity-cache-${process.pid}`);
let now = 1_000_000;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wisp-entity-cache-'));
  stores = await openEmbeddedStores({ dataDir: dir, logger: silentLogger });
  signals = createMemorySignalBus({ logger: silentLogger });
});

afterAll(async () => {
  for (const cache of caches) await cache.close();
  await signals.close();
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

async function newCache(ttlMs = 15_000): Promise<EntityCache> {
  const cache = await startEntityCache({ store: stores.entities, signals, naming, logger: silentLogger, ttlMs, now: () => now });
  caches.push(cache);
  return cache;
}

describe('entity cache', () => {
  it('serves a cached document until its TTL passes, even when the store changed underneath', async () => {
    const cache = await newCache();
    await stores.entities.put('ns', 'ttl', doc(1), null);
    expect((await cache.store.get<Doc>('ns', 'ttl'))?.doc.value).toBe(1);
    // Written past the cache (no invalidation): the cached copy is still served...
    const current = await stores.entities.get<Doc>('ns', 'ttl');
    await stores.entities.put('ns', 'ttl', doc(2), current!.revision);
    expect((await cache.store.get<Doc>('ns', 'ttl'))?.doc.value).toBe(1);
    // ...until the TTL bounds its age.
    now += 15_000;
    expect((await cache.store.get<Doc>('ns', 'ttl'))?.doc.value).toBe(2);
  });

  it('sees its own writes and deletes at once', async () => {
    const cache = await newCache();
    const created = await cache.store.put('ns', 'own', doc(1), null);
    expect((await cache.store.get<Doc>('ns', 'own'))?.doc.value).toBe(1);
    const updated = await cache.store.put('ns', 'own', doc(2), created.ok ? created.revision : '');
    expect(updated.ok).toBe(true);
    expect(await cache.store.get<Doc>('ns', 'own')).toEqual({ doc: doc(2), revision: updated.ok ? updated.revision : '' });
    expect(await cache.store.delete('ns', 'own')).toBe(true);
    expect(await cache.store.get('ns', 'own')).toBeUndefined();
  });

  it('does not keep misses: a name created elsewhere is found at once', async () => {
    const cache = await newCache();
    expect(await cache.store.get('ns', 'later')).toBeUndefined();
    await stores.entities.put('ns', 'later', doc(7), null);
    expect((await cache.store.get<Doc>('ns', 'later'))?.doc.value).toBe(7);
  });

  it("drops another cache's entry when this one writes or deletes, long before the TTL", async () => {
    const a = await newCache();
    const b = await newCache();
    const first = await a.store.put('ns', 'shared', doc(1), null);
    expect((await b.store.get<Doc>('ns', 'shared'))?.doc.value).toBe(1);
    expect(b.entries).toBeGreaterThan(0);
    await a.store.put('ns', 'shared', doc(2), first.ok ? first.revision : '');
    await signals.flush();
    expect((await b.store.get<Doc>('ns', 'shared'))?.doc.value).toBe(2);
    await a.store.delete('ns', 'shared');
    await signals.flush();
    expect(await b.store.get('ns', 'shared')).toBeUndefined();
  });

  it('keeps only actions and packages: triggers and rules are always read from the store', async () => {
    const cache = await newCache();
    await stores.entities.put('ns', 'fire', { entityType: 'trigger', value: 1 }, null);
    expect((await cache.store.get<Doc>('ns', 'fire'))?.doc.value).toBe(1);
    const current = await stores.entities.get('ns', 'fire');
    await stores.entities.put('ns', 'fire', { entityType: 'trigger', value: 2 }, current!.revision);
    expect((await cache.store.get<Doc>('ns', 'fire'))?.doc.value).toBe(2);
  });

  it('ignores undecodable invalidations and passes lists and counts through', async () => {
    const cache = await newCache();
    await cache.store.put('list-ns', 'x', doc(1), null);
    signals.publish(naming.cacheInvalidationSubject(), Buffer.from('not json'));
    signals.publish(naming.cacheInvalidationSubject(), Buffer.from('{"origin":1}'));
    await signals.flush();
    expect((await cache.store.get<Doc>('list-ns', 'x'))?.doc.value).toBe(1);
    expect(await cache.store.count('list-ns', 'action')).toBe(1);
    expect((await cache.store.list<Doc>('list-ns', 'action', { skip: 0, limit: 10 })).map((s) => s.doc.value)).toEqual([1]);
  });
});

describe('two controllers on one store', () => {
  let bus: MessageBus;
  const controllers: RunningController[] = [];
  const auth = `Basic ${Buffer.from(GUEST_AUTH).toString('base64')}`;
  const call = (controller: RunningController, method: string, path: string, body?: string) =>
    fetch(`${controller.url}/api/v1${path}`, { method, headers: { Authorization: auth, 'Content-Type': 'application/json' }, ...(body !== undefined ? { body } : {}) });

  beforeAll(async () => {
    bus = createMemoryMessageBus({ logger: silentLogger });
    for (const id of ['controller0', 'controller1']) {
      // The default TTL (15 s): only the invalidation can make the change visible within this test's bounds.
      const config = loadControllerConfig({ ...TEST_MESSAGE_KEY_ENV, ...DEV_KEYS_ENV, WISP_CONTROLLER_PORT: '0', WISP_PREFIX: naming.prefix, WISP_CONTROLLER_ID: id });
      controllers.push(await startController({ config, logger: silentLogger, naming, bus, signals, entities: stores.entities, activations: stores.activations }));
    }
  });

  afterAll(async () => {
    for (const controller of controllers) await controller.stop();
    await bus.close();
  });

  it('answers an update made on one controller from the other well before the TTL', async () => {
    const [one, two] = controllers as [RunningController, RunningController];
    const code = 'function main(p){return p}';
    expect((await call(one, 'PUT', '/namespaces/_/packages/shared-pkg', '{"parameters":[{"key":"v","value":1}]}')).status).toBe(200);
    expect((await call(one, 'PUT', '/namespaces/_/actions/shared-pkg/act', JSON.stringify({ exec: { kind: 'nodejs:20', code } }))).status).toBe(200);
    const read = async (path: string) => (await (await call(two, 'GET', path)).json()) as { version: string; parameters: unknown };
    expect((await read('/namespaces/_/actions/shared-pkg/act')).version).toBe('0.0.1');
    expect((await read('/namespaces/_/packages/shared-pkg')).version).toBe('0.0.1');
    // A write that bypasses both caches (and so sends no invalidation) is not seen: reads are cached.
    const stored = await stores.entities.get<Doc & { version: string }>('guest', 'shared-pkg/act');
    await stores.entities.put('guest', 'shared-pkg/act', { ...stored!.doc, version: '0.0.9' }, stored!.revision);
    expect((await read('/namespaces/_/actions/shared-pkg/act')).version).toBe('0.0.1');

    const started = Date.now();
    expect((await call(one, 'PUT', '/namespaces/_/packages/shared-pkg?overwrite=true', '{"parameters":[{"key":"v","value":2}]}')).status).toBe(200);
    expect((await call(one, 'PUT', '/namespaces/_/actions/shared-pkg/act?overwrite=true', '{"publish":true}')).status).toBe(200);
    const seen = await eventually(async () => {
      const action = await read('/namespaces/_/actions/shared-pkg/act');
      return action.version === '0.0.10' ? action : undefined;
    }, 2000, 5);
    expect(seen.parameters).toEqual([{ key: 'v', value: 2 }]);
    expect(Date.now() - started).toBeLessThan(2000);

    expect((await call(one, 'DELETE', '/namespaces/_/packages/shared-pkg?force=true')).status).toBe(200);
    await eventually(async () => ((await call(two, 'GET', '/namespaces/_/actions/shared-pkg/act')).status === 404 ? true : undefined), 2000, 5);
  });
});
