import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStores, type EmbeddedStores } from '../../common/adapters/embedded/embedded-stores';
import type { ActionDoc } from '../../common/entities/action';
import { defaultBounds } from '../../common/entities/limits';
import type { PackageDoc } from '../../common/entities/package';
import { silentLogger } from '../../common/logging/logger';
import { SYSTEM_ACTIONS_DIR, ensureSystemPackages } from './system-packages';

// The system packages are written when missing or changed, and left alone otherwise, however
// many controllers start at once.

let dir: string;
let sources: string;
let stores: EmbeddedStores;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wisp-system-packages-'));
  sources = join(dir, 'sources');
  cpSync(SYSTEM_ACTIONS_DIR, sources, { recursive: true });
  stores = await openEmbeddedStores({ dataDir: join(dir, 'data'), logger: silentLogger });
});

afterAll(async () => {
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

const ensure = () => ensureSystemPackages({ store: stores.entities, bounds: defaultBounds(), logger: silentLogger, sourceDir: sources });

describe('ensureSystemPackages', () => {
  it('creates the public utils package and its six actions from the sources, once', async () => {
    // Several controllers starting together.
    const [first, ...others] = await Promise.all([ensure(), ensure(), ensure()]);
    const all = [first!, ...others];
    const paths = Object.keys(first!);
    expect(paths.sort()).toEqual(
      [
        'whisk.system/utils',
        ...['cat', 'date', 'echo', 'head', 'sort', 'split'].map((a) => `whisk.system/utils/${a}`),
        'whisk.system/alarms',
        ...['alarm', 'interval', 'once'].map((a) => `whisk.system/alarms/${a}`),
        'whisk.system/messaging',
        ...['kafkaFeed', 'natsFeed'].map((a) => `whisk.system/messaging/${a}`),
      ].sort(),
    );
    for (const path of paths) expect(all.filter((o) => o[path] === 'created')).toHaveLength(1);

    const pkg = await stores.entities.get<PackageDoc>('whisk.system', 'utils');
    expect(pkg?.doc).toMatchObject({ namespace: 'whisk.system', name: 'utils', publish: true, version: '0.0.1' });
    const echo = await stores.entities.get<ActionDoc>('whisk.system', 'utils/echo');
    expect(echo?.doc).toMatchObject({ namespace: 'whisk.system/utils', name: 'echo', version: '0.0.1', annotations: expect.arrayContaining([{ key: 'description', value: 'Returns the input' }]) });

    // The alarms feeds share one source and carry the feed annotation that clients look for.
    for (const feed of ['alarm', 'interval', 'once']) {
      const doc = (await stores.entities.get<ActionDoc>('whisk.system', `alarms/${feed}`))?.doc;
      expect(doc).toMatchObject({ namespace: 'whisk.system/alarms', name: feed, annotations: expect.arrayContaining([{ key: 'feed', value: true }]) });
    }
    expect((await stores.entities.get<PackageDoc>('whisk.system', 'alarms'))?.doc).toMatchObject({ publish: true });

    expect(Object.values(await ensure()).every((o) => o === 'unchanged')).toBe(true);
    expect((await stores.entities.get('whisk.system', 'utils/echo'))?.revision).toBe(echo?.revision);
  });

  it('rewrites only what changed in the sources, bumping its version', async () => {
    writeFileSync(join(sources, 'utils', 'echo.js'), 'function main(params) { return { echoed: params }; }\n');
    const outcomes = await ensure();
    expect(outcomes['whisk.system/utils/echo']).toBe('updated');
    expect(Object.entries(outcomes).filter(([, o]) => o !== 'unchanged').map(([p]) => p)).toEqual(['whisk.system/utils/echo']);
    const echo = await stores.entities.get<ActionDoc>('whisk.system', 'utils/echo');
    expect(echo?.doc).toMatchObject({ version: '0.0.2', exec: { code: 'function main(params) { return { echoed: params }; }\n' } });
  });

  it('refuses to start over a name that holds something else', async () => {
    await stores.entities.delete('whisk.system', 'utils/date');
    await stores.entities.put('whisk.system', 'utils/date', { entityType: 'trigger' }, null);
    await expect(ensure()).rejects.toThrow('cannot bootstrap whisk.system/utils/date: the name holds a trigger');
  });
});
