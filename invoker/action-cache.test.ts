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
