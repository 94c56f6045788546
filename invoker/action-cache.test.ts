import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEntityStore } from '../common/adapters/embedded/embedded-entity-store';
import type { ActionDoc } from '../common/entities/action';
import { DEFAULT_LIMITS } from '../common/entities/limits';
import { silentLogger } from '../common/logging/logger';
import type { EntityStore } from '../common/spi/entity-store';
import { actionAddress, createActionCache } from './action-cache';

const action = (code: string): ActionDoc => ({
  entityType: 'action',
  namespace: 'guest/pkg',
  name: 'hello',
  version: '0.0.1',
  publish: false,
  exec: { kind: 'nodejs:20', code, binary: false },
  parameters: [],
  annotations: [],
  limits: DEFAULT_LIMITS,
  updated: Date.now(),
});

describe('action cache', () => {
  let dir: string;
  let store: EntityStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wisp-action-cache-'));
    store = openEmbeddedEntityStore({ dataDir: dir, logger: silentLogger });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('addresses ns and ns/pkg actions by namespace and entity key', () => {
    expect(actionAddress({ namespace: 'guest', name: 'a' })).toEqual({ namespace: 'guest', key: 'a' });
    expect(actionAddress({ namespace: 'guest/pkg', name: 'a' })).toEqual({ namespace: 'guest', key: 'pkg/a' });
  });

  it('returns the invoked revision and serves it from the cache afterwards', async () => {
    const put = await store.put('guest', 'pkg/hello', action('v1'), null);
    if (!put.ok) throw new Error('put failed');
    const cache = createActionCache(store, silentLogger);
    const target = { namespace: 'guest/pkg', name: 'hello', revision: put.revision, version: '0.0.1' };
    const first = await cache.fetch(target);
    expect(first.ok && first.action.exec.code).toBe('v1');
    // Updated in the store: the cached revision is still what was invoked.
    const update = await store.put('guest', 'pkg/hello', action('v2'), put.revision);
    expect(update.ok).toBe(true);
    const again = await cache.fetch(target);
    expect(again.ok && again.action.exec.code).toBe('v1');
  });

  /** Stores one action per name (in `guest`) and answers a fetch target for each. */
  async function deployAll<N extends string>(docs: Record<N, ActionDoc>): Promise<Record<N, { namespace: string; name: string; revision: string; version: string }>> {
    const targets = {} as Record<N, { namespace: string; name: string; revision: string; version: string }>;
    for (const [name, doc] of Object.entries(docs) as [N, ActionDoc][]) {
      const put = await store.put('guest', name, { ...doc, namespace: 'guest', name }, null);
      if (!put.ok) throw new Error('put failed');
      targets[name] = { namespace: 'guest', name, revision: put.revision, version: '0.0.1' };
    }
    return targets;
  }

  it('keeps at most maxEntries actions, dropping the least recently used', async () => {
    const t = await deployAll({ a: action('a'), b: action('b'), c: action('c') });
    const reads = jest.spyOn(store, 'get');
    const cache = createActionCache(store, silentLogger, { maxEntries: 2 });
    await cache.fetch(t.a);
    await cache.fetch(t.b);
    await cache.fetch(t.a);
    expect(reads).toHaveBeenCalledTimes(2);
    await cache.fetch(t.c);
    expect(reads).toHaveBeenCalledTimes(3);
    // b was the least recently used: it is read again, a and c are not.
    await cache.fetch(t.a);
    await cache.fetch(t.c);
    expect(reads).toHaveBeenCalledTimes(3);
    await cache.fetch(t.b);
    expect(reads).toHaveBeenCalledTimes(4);
  });

  it('bounds the code bytes it holds and runs an action larger than the bound without caching it', async () => {
    const t = await deployAll({ a: action('aaaa'), b: action('bbbb'), c: action('cccc'), huge: action('h'.repeat(11)) });
    const reads = jest.spyOn(store, 'get');
    const cache = createActionCache(store, silentLogger, { maxCodeBytes: 10 });
    await cache.fetch(t.a);
    await cache.fetch(t.b);
    await cache.fetch(t.c);
    expect(reads).toHaveBeenCalledTimes(3);
    // 12 bytes do not fit in 10: the oldest went.
    await cache.fetch(t.b);
    await cache.fetch(t.c);
    expect(reads).toHaveBeenCalledTimes(3);
    await cache.fetch(t.a);
    expect(reads).toHaveBeenCalledTimes(4);
    const huge = await cache.fetch(t.huge);
    expect(huge.ok && huge.action.exec.code).toBe('h'.repeat(11));
    await cache.fetch(t.huge);
    expect(reads).toHaveBeenCalledTimes(6);
  });

  it('caches a blackbox action that has no code', async () => {
    const blackbox: ActionDoc = { ...action(''), exec: { kind: 'blackbox', image: 'example/skeleton', binary: false } };
    const t = await deployAll({ box: blackbox });
    const reads = jest.spyOn(store, 'get');
    const cache = createActionCache(store, silentLogger);
    const first = await cache.fetch(t.box);
    expect(first.ok).toBe(true);
    expect(await cache.fetch(t.box)).toEqual(first);
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('turns a changed revision into a whisk internal error', async () => {
    const put = await store.put('guest', 'pkg/hello', action('v1'), null);
    if (!put.ok) throw new Error('put failed');
    const update = await store.put('guest', 'pkg/hello', action('v2'), put.revision);
    if (!update.ok) throw new Error('update failed');
    const fetched = await createActionCache(store, silentLogger).fetch({ namespace: 'guest/pkg', name: 'hello', revision: put.revision, version: '0.0.1' });
    expect(fetched).toEqual({
      ok: false,
      reason: 'revision-changed',
      response: {
        statusCode: 3,
        result: { error: `The action was updated after this activation was accepted (revision '${put.revision}' was invoked, '${update.revision}' is stored); it was not run.` },
      },
    });
  });

  it('turns a missing action into a whisk internal error', async () => {
    const fetched = await createActionCache(store, silentLogger).fetch({ namespace: 'guest', name: 'gone', revision: 'r1', version: '0.0.1' });
    expect(fetched).toEqual({ ok: false, reason: 'missing', response: { statusCode: 3, result: { error: 'Action could not be found or may have been deleted.' } } });
  });

  it('turns a store failure into a whisk internal error', async () => {
    const cache = createActionCache(store, silentLogger);
    await store.close();
    const fetched = await cache.fetch({ namespace: 'guest', name: 'x', revision: 'r1', version: '0.0.1' });
    expect(fetched).toEqual({ ok: false, reason: 'fetch-failed', response: { statusCode: 3, result: { error: 'Action could not be fetched.' } } });
    store = openEmbeddedEntityStore({ dataDir: dir, logger: silentLogger });
  });
});
