import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEntityStore } from '../../common/adapters/embedded/embedded-entity-store';
import { createMemoryThrottleStore } from '../../common/adapters/memory/memory-throttle-store';
import { defaultBounds } from '../../common/entities/limits';
import { silentLogger } from '../../common/logging/logger';
import type { EntityStore } from '../../common/spi/entity-store';
import type { ThrottleStore } from '../../common/spi/throttle-store';
import { asyncRejection } from '../../test/harness/rejection';
import { IdentityRecords } from '../identity/identity-records';
import { NamespaceLimitsService } from '../identity/namespace-limits-service';
import { Throttler } from './throttler';

// The throttler over the memory store, with one clock for both, so deadlines and minutes can be
// stepped through without waiting.

let dir: string;
let entities: EntityStore;
let store: ThrottleStore;
let throttler: Throttler;
let records: IdentityRecords;
let limits: NamespaceLimitsService;
let now: number;

beforeEach(async () => {
  now = 1_700_000_000_000 - (1_700_000_000_000 % 60_000);
  dir = mkdtempSync(join(tmpdir(), 'wisp-throttler-'));
  entities = openEmbeddedEntityStore({ dataDir: dir, logger: silentLogger });
  records = new IdentityRecords({ store: entities });
  limits = new NamespaceLimitsService({ records, system: { invocationsPerMinute: 3, concurrentInvocations: 2, firesPerMinute: 1, bounds: defaultBounds() }, cacheTtlMs: 0 });
  store = createMemoryThrottleStore({ now: () => now });
  throttler = new Throttler({ store, limits, logger: silentLogger, slotGraceMs: 1000, now: () => now });
});

afterEach(async () => {
  throttler.stop();
  await store.close();
  await entities.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('throttler', () => {
  it('counts invokes per calendar minute against the system default, and starts afresh next minute', async () => {
    for (let i = 0; i < 3; i++) await throttler.checkInvokeRate('ns');
    expect(await asyncRejection(throttler.checkInvokeRate('ns'))).toEqual({ status: 429, message: 'Too many requests in the last minute (count: 4, allowed: 3).' });
    now += 60_000;
    await throttler.checkInvokeRate('ns');
  });

  it('counts trigger fires apart from invokes', async () => {
    await throttler.checkInvokeRate('ns');
    await throttler.checkFire('ns');
    expect(await asyncRejection(throttler.checkFire('ns'))).toEqual({ status: 429, message: 'Too many requests in the last minute (count: 2, allowed: 1).' });
    await throttler.checkInvokeRate('ns');
  });

  it("uses the namespace's own limits over the system's", async () => {
    await records.createUser('alice', 'team-a');
    await records.setLimits('team-a', { firesPerMinute: 3, concurrentInvocations: 1 });
    for (let i = 0; i < 3; i++) await throttler.checkFire('team-a');
    await throttler.acquire('team-a', 'a1', 1000);
    expect(await asyncRejection(throttler.acquire('team-a', 'a2', 1000))).toEqual({ status: 429, message: 'Too many concurrent requests in flight (count: 1, allowed: 1).' });
  });

  it('frees a slot on release, and lets an unreleased one lapse at timeout plus grace', async () => {
    await throttler.acquire('ns', 'a1', 5000);
    await throttler.acquire('ns', 'a2', 5000);
    expect(await asyncRejection(throttler.acquire('ns', 'a3', 5000))).toEqual({ status: 429, message: 'Too many concurrent requests in flight (count: 2, allowed: 2).' });
    throttler.release('a1');
    await new Promise((resolve) => setImmediate(resolve));
    await throttler.acquire('ns', 'a3', 5000);
    expect(throttler.heldSlots).toBe(2);
    now += 5000 + 999;
    expect(await asyncRejection(throttler.acquire('ns', 'a4', 5000))).toMatchObject({ status: 429 });
    now += 1;
    await throttler.acquire('ns', 'a4', 5000);
    expect(await store.inFlight('ns')).toBe(1);
  });

  it('ignores the release of an id it never gave a slot', async () => {
    throttler.release('unknown');
    await throttler.acquire('ns', 'a1', 1000);
    throttler.release('unknown');
    expect(await store.inFlight('ns')).toBe(1);
  });
});
