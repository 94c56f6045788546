import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEntityStore } from '../../common/adapters/embedded/embedded-entity-store';
import type { ActionDoc } from '../../common/entities/action';
import type { Identity } from '../../common/entities/identity';
import { Messages } from '../../common/errors/messages';
import { PlatformError, isPlatformError } from '../../common/errors/platform-error';
import { silentLogger } from '../../common/logging/logger';
import type { EntityStore } from '../../common/spi/entity-store';
import { actionDoc } from '../../test/harness/action-doc';
import type { ApiRouteRequest } from './api-input';
import { ApiService } from './api-service';

let dir: string;
let store: EntityStore;
let apis: ApiService;

const guest = { namespace: 'guest' } as Identity;
const other = { namespace: 'other' } as Identity;
const request = (over: Partial<ApiRouteRequest> = {}): ApiRouteRequest => ({ basePath: '/shop', relPath: '/items', verb: 'get', responseType: 'json', action: { namespace: 'guest', name: 'web' }, ...over });

async function failure(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (err) {
    return isPlatformError(err) ? `${err.status} ${err.code}` : String(err);
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wisp-api-service-'));
  store = openEmbeddedEntityStore({ dataDir: dir, logger: silentLogger });
  await store.put('guest', 'web', actionDoc({ name: 'web', annotations: [{ key: 'web-export', value: true }] }), null);
  await store.put('guest', 'plain', actionDoc({ name: 'plain' }), null);
  apis = new ApiService({
    store,
    actions: {
      get: async (namespace: string, name: string) => {
        const stored = await store.get<ActionDoc>(namespace, name);
        if (!stored || stored.doc.entityType !== 'action') throw new PlatformError('action-not-found', Messages.resourceDoesNotExist);
        return stored;
      },
    },
    packageResolver: { action: async () => Promise.reject(new PlatformError('package-not-found', Messages.resourceDoesNotExist)) },
  });
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ApiService', () => {
  it("keeps one document per base path, a route per (relpath, verb), in the caller's namespace only", async () => {
    await apis.create(guest, request({ apiName: 'Shop' }));
    await apis.create(guest, request({ verb: 'post' }));
    await apis.create(guest, request({ responseType: 'http' }));
    await apis.create(guest, request({ basePath: '/admin' }));
    const [admin, shop] = await apis.list('guest');
    expect(admin).toMatchObject({ basePath: '/admin', apiName: '/admin' });
    expect(shop).toMatchObject({ basePath: '/shop', apiName: 'Shop' });
    expect(shop!.routes.map((r) => `${r.verb} ${r.relPath} ${r.responseType}`).sort()).toEqual(['get /items http', 'post /items json']);
    expect(await apis.list('guest', { basePath: 'Shop', verb: 'POST' })).toMatchObject([{ basePath: '/shop', routes: [{ verb: 'post' }] }]);
    expect(await apis.list('other')).toEqual([]);
  });

  it('refuses an action that is missing, not a web action, or of another namespace', async () => {
    expect(await failure(apis.create(guest, request({ action: { namespace: 'guest', name: 'nope' } })))).toBe('404 api-action-not-found');
    expect(await failure(apis.create(guest, request({ action: { namespace: 'guest', name: 'plain' } })))).toBe('400 api-action-not-web');
    expect(await failure(apis.create(other, request()))).toBe('403 entity-not-authorized');
    expect(await apis.list('other')).toEqual([]);
  });

  it('deletes a route, then a whole API by name, and says 404 for what is not there', async () => {
    expect(await failure(apis.delete('other', { basePath: '/shop' }))).toBe('404 api-not-found');
    expect(await failure(apis.delete('guest', { basePath: '/shop', relPath: '/nothing' }))).toBe('404 api-not-found');
    await apis.delete('guest', { basePath: '/shop', relPath: '/items', verb: 'post' });
    expect((await apis.list('guest', { basePath: '/shop' }))[0]!.routes.map((r) => r.verb)).toEqual(['get']);
    await apis.delete('guest', { basePath: 'Shop' });
    expect((await apis.list('guest')).map((a) => a.basePath)).toEqual(['/admin']);
    await apis.delete('guest', { basePath: '/admin' });
    expect(await apis.list('guest')).toEqual([]);
  });
});
