import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEntityStore } from '../../common/adapters/embedded/embedded-entity-store';
import { splitAuth } from '../../common/entities/credentials';
import { silentLogger } from '../../common/logging/logger';
import type { EntityStore } from '../../common/spi/entity-store';
import { asyncRejection } from '../../test/harness/rejection';
import { IdentityRecords } from './identity-records';
import { IdentityService } from './identity-service';

// The identity cache at its caller: how long a key change nobody announced goes unseen, and that
// an announced one, or one racing a lookup, is seen at once. The store counts its reads and can
// hold a read back after it has read, so a change can land while a lookup is in flight.

const TTL_MS = 100;
const INVALID = { status: 401, message: 'The supplied authentication is invalid' };

let dir: string;
let inner: EntityStore;
let reads: number;
let readsDone: number;
let hold: Promise<void> | undefined;
let failNext: boolean;
let now: number;
let records: IdentityRecords;

function countingStore(store: EntityStore): EntityStore {
  return {
    ...store,
    get: async (namespace, key) => {
      reads++;
      if (failNext) {
        failNext = false;
        throw new Error('store down');
      }
      const stored = await store.get(namespace, key);
      readsDone++;
      await hold;
      return stored as never;
    },
  };
}

function service(cacheTtlMs = TTL_MS): IdentityService {
  return new IdentityService({ store: countingStore(inner), cacheTtlMs, now: () => now });
}

const basic = (auth: string) => `Basic ${Buffer.from(auth).toString('base64')}`;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wisp-identity-service-'));
  inner = openEmbeddedEntityStore({ dataDir: dir, logger: silentLogger });
  reads = 0;
  readsDone = 0;
  hold = undefined;
  failNext = false;
  now = 1_000_000;
  // Writes nobody announces: the cache can only learn of them by expiry.
  records = new IdentityRecords({ store: inner });
});

afterEach(async () => {
  await inner.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('identity cache', () => {
  it('keeps answering a key revoked in silence until the TTL passes, then refuses it', async () => {
    const identities = service();
    const auth = await records.createUser('alice', 'team-a');
    expect(await identities.authenticate(basic(auth))).toMatchObject({ subject: 'alice', namespace: 'team-a' });
    await records.revokeKey(splitAuth(auth).uuid);
    now += TTL_MS - 1;
    expect(await identities.authenticate(basic(auth))).toMatchObject({ namespace: 'team-a' });
    expect(reads).toBe(1);
    now += 2;
    expect(await asyncRejection(identities.authenticate(basic(auth)))).toEqual(INVALID);
  });

  it('refuses a revoked key at once when the change is announced', async () => {
    const identities = service();
    const auth = await records.createUser('alice', 'team-a');
    await identities.authenticate(basic(auth));
    await records.revokeKey(splitAuth(auth).uuid);
    identities.invalidate({ v: 1, uuids: [splitAuth(auth).uuid] });
    expect(await asyncRejection(identities.authenticate(basic(auth)))).toEqual(INVALID);
    const other = await records.createUser('bobby', 'team-b');
    await identities.authenticate(basic(other));
    await records.revokeKey(splitAuth(other).uuid);
    identities.invalidate('all');
    expect(await asyncRejection(identities.authenticate(basic(other)))).toEqual(INVALID);
  });

  it('shares one read among concurrent lookups, and keeps what a lookup read before a change out of the cache', async () => {
    const identities = service();
    const auth = await records.createUser('alice', 'team-a');
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const first = identities.authenticate(basic(auth));
    const second = identities.authenticate(basic(auth));
    while (readsDone < 1) await new Promise((resolve) => setImmediate(resolve));
    await records.revokeKey(splitAuth(auth).uuid);
    identities.invalidate({ v: 1, uuids: [splitAuth(auth).uuid] });
    release();
    expect(await Promise.all([first, second])).toEqual([expect.objectContaining({ namespace: 'team-a' }), expect.objectContaining({ namespace: 'team-a' })]);
    expect(reads).toBe(1);
    expect(await asyncRejection(identities.authenticate(basic(auth)))).toEqual(INVALID);
    expect(reads).toBe(2);
  });

  it('caches an unknown uuid too, but not a failed read', async () => {
    const identities = service();
    const unknown = `${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}:${'k'.repeat(64)}`;
    expect(await asyncRejection(identities.authenticate(basic(unknown)))).toEqual(INVALID);
    expect(await asyncRejection(identities.authenticate(basic(unknown)))).toEqual(INVALID);
    expect(reads).toBe(1);
    const auth = await records.createUser('alice', 'team-a');
    failNext = true;
    await expect(identities.authenticate(basic(auth))).rejects.toThrow('store down');
    expect(await identities.authenticate(basic(auth))).toMatchObject({ namespace: 'team-a' });
  });

  it('caches the namespaces of a subject for the TTL as well', async () => {
    const identities = service();
    const auth = await records.createUser('alice', 'team-a');
    const identity = await identities.authenticate(basic(auth));
    expect(await identities.namespacesOf(identity)).toEqual(['team-a']);
    await records.createNamespace('alice', 'team-b');
    expect(await identities.namespacesOf(identity)).toEqual(['team-a']);
    now += TTL_MS + 1;
    expect(await identities.namespacesOf(identity)).toEqual(['team-a', 'team-b']);
  });

  it('reads the store on every lookup with a TTL of 0', async () => {
    const identities = service(0);
    const auth = await records.createUser('alice', 'team-a');
    await identities.authenticate(basic(auth));
    await records.revokeKey(splitAuth(auth).uuid);
    expect(await asyncRejection(identities.authenticate(basic(auth)))).toEqual(INVALID);
    expect(reads).toBe(2);
  });
});
