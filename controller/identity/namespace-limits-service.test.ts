import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEntityStore } from '../../common/adapters/embedded/embedded-entity-store';
import { defaultBounds } from '../../common/entities/limits';
import { silentLogger } from '../../common/logging/logger';
import type { EntityStore } from '../../common/spi/entity-store';
import { IdentityRecords } from './identity-records';
import { NamespaceLimitsService } from './namespace-limits-service';

// The limits cache at its caller: a limits change nobody announced is seen once the TTL passes,
// an announced one at once; a packaged path shares its root namespace's entry.

const TTL_MS = 100;
const SYSTEM = { invocationsPerMinute: 60, concurrentInvocations: 30, firesPerMinute: 60, bounds: defaultBounds() };

let dir: string;
let store: EntityStore;
let records: IdentityRecords;
let now: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wisp-limits-service-'));
  store = openEmbeddedEntityStore({ dataDir: dir, logger: silentLogger });
  records = new IdentityRecords({ store });
  now = 1_000_000;
  await records.createUser('alice', 'team-a');
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const service = (cacheTtlMs = TTL_MS) => new NamespaceLimitsService({ records, system: SYSTEM, cacheTtlMs, now: () => now });

describe('namespace limits cache', () => {
  it('answers the cached limits until the TTL passes, for the namespace and its packages alike', async () => {
    const limits = service();
    expect(await limits.effective('team-a')).toMatchObject({ invocationsPerMinute: 60 });
    await records.setLimits('team-a', { invocationsPerMinute: 5 });
    now += TTL_MS - 1;
    expect(await limits.effective('team-a/pkg')).toMatchObject({ invocationsPerMinute: 60 });
    now += 2;
    expect(await limits.effective('team-a/pkg')).toMatchObject({ invocationsPerMinute: 5 });
    expect(await limits.effective('team-a')).toMatchObject({ invocationsPerMinute: 5 });
  });

  it('sees an announced change at once', async () => {
    const limits = service();
    await limits.effective('team-a');
    await records.setLimits('team-a', { concurrentInvocations: 2 });
    limits.invalidate({ v: 1, namespaces: ['team-a'] });
    expect(await limits.effective('team-a')).toMatchObject({ concurrentInvocations: 2 });
    await records.setLimits('team-a', { concurrentInvocations: 3 });
    limits.invalidate('all');
    expect(await limits.effective('team-a')).toMatchObject({ concurrentInvocations: 3 });
  });

  it('reads the limits on every lookup with a TTL of 0', async () => {
    const limits = service(0);
    await limits.effective('team-a');
    await records.setLimits('team-a', { firesPerMinute: 7 });
    expect(await limits.effective('team-a')).toMatchObject({ firesPerMinute: 7 });
  });
});
