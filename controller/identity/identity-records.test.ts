import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEntityStore } from '../../common/adapters/embedded/embedded-entity-store';
import { GUEST_AUTH, keyMatches, splitAuth } from '../../common/entities/credentials';
import { silentLogger } from '../../common/logging/logger';
import type { IdentityChange } from '../../common/protocol/identity-change';
import type { EntityStore } from '../../common/spi/entity-store';
import { isIdentityRecordError, type IdentityProblem } from './identity-record-error';
import { IdentityRecords } from './identity-records';

// Subjects, namespaces, keys and limits docs on the embedded store (a temp data dir).

let dir: string;
let store: EntityStore;
let records: IdentityRecords;
let changes: Omit<IdentityChange, 'v'>[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wisp-identity-'));
  store = openEmbeddedEntityStore({ dataDir: dir, logger: silentLogger });
  changes = [];
  records = new IdentityRecords({ store, onChange: (change) => void changes.push(change) });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function problemOf(work: Promise<unknown>): Promise<IdentityProblem> {
  try {
    await work;
  } catch (err) {
    if (isIdentityRecordError(err)) return err.problem;
    throw err;
  }
  throw new Error('expected an IdentityRecordError');
}

describe('identity records', () => {
  it('creates a subject with its namespace and a key stored only as a salted hash', async () => {
    const auth = await records.createUser('alice', 'team-a');
    const { uuid, key } = splitAuth(auth);
    const doc = await records.key(uuid);
    expect(doc).toMatchObject({ subject: 'alice', namespace: 'team-a', uuid });
    expect(keyMatches(doc!, key)).toBe(true);
    expect(JSON.stringify(doc)).not.toContain(key);
    expect(await records.subject('alice')).toMatchObject({ namespaces: ['team-a'] });
    expect(await records.listKeys('team-a')).toEqual([uuid]);
  });

  it('gives a subject several namespaces, each with several keys', async () => {
    const first = splitAuth(await records.createUser('alice', 'team-a')).uuid;
    const second = splitAuth(await records.createUser('alice', 'team-b')).uuid;
    const third = splitAuth(await records.createNamespace('alice', 'team-c')).uuid;
    const extra = splitAuth(await records.issueKey('team-a')).uuid;
    expect(await records.listSubject('alice')).toEqual([
      { namespace: 'team-a', keys: [first, extra] },
      { namespace: 'team-b', keys: [second] },
      { namespace: 'team-c', keys: [third] },
    ]);
  });

  it('uses a given uuid:key, and refuses a uuid that is taken or malformed', async () => {
    expect(await records.createUser('guest-like', 'gl', GUEST_AUTH)).toBe(GUEST_AUTH);
    expect(await problemOf(records.issueKey('gl', GUEST_AUTH))).toBe('uuid-taken');
    expect(await problemOf(records.issueKey('gl', 'not-a-key'))).toBe('invalid-argument');
    expect(await records.listKeys('gl')).toEqual([splitAuth(GUEST_AUTH).uuid]);
  });

  it('keeps a namespace to one subject and refuses what does not exist', async () => {
    await records.createUser('alice', 'team-a');
    expect(await problemOf(records.createUser('mallory', 'team-a'))).toBe('namespace-taken');
    expect(await problemOf(records.createUser('alice', 'team-a'))).toBe('namespace-exists');
    expect(await records.subject('mallory')).toBeUndefined();
    expect(await problemOf(records.createNamespace('nobody', 'team-z'))).toBe('subject-not-found');
    expect(await records.namespace('team-z')).toBeUndefined();
    expect(await problemOf(records.issueKey('team-z'))).toBe('namespace-not-found');
    expect(await problemOf(records.listKeys('team-z'))).toBe('namespace-not-found');
    expect(await problemOf(records.listSubject('nobody'))).toBe('subject-not-found');
    expect(await problemOf(records.revokeKey('00000000-0000-4000-8000-000000000000'))).toBe('key-not-found');
    expect(await problemOf(records.createUser('bob', 'bob'))).toBe('invalid-argument');
    expect(await problemOf(records.createUser('alice', '!identities'))).toBe('invalid-argument');
  });

  it('revokes a key: a tombstone in the store, gone from the list, others untouched, and the change announced', async () => {
    const keep = splitAuth(await records.createUser('alice', 'team-a')).uuid;
    const revoke = splitAuth(await records.issueKey('team-a')).uuid;
    changes.length = 0;
    expect(await records.revokeKey(revoke)).toEqual({ namespace: 'team-a', subject: 'alice' });
    expect(await records.key(revoke)).toMatchObject({ uuid: revoke, revoked: true });
    expect(await records.key(keep)).toBeDefined();
    expect(await records.listKeys('team-a')).toEqual([keep]);
    expect(changes).toEqual([{ uuids: [revoke] }]);
  });

  it('never makes a revoked key valid again: not by ensure (a restart bootstrapping it), not by issuing its uuid anew, not by revoking twice', async () => {
    const auth = await records.createUser('alice', 'team-a');
    const { uuid } = splitAuth(auth);
    await records.revokeKey(uuid);
    changes.length = 0;
    expect(await records.ensure('alice', 'team-a', auth)).toBe('revoked');
    expect(await records.key(uuid)).toMatchObject({ revoked: true });
    expect(await records.listKeys('team-a')).toEqual([]);
    expect(changes).toEqual([]);
    expect(await problemOf(records.issueKey('team-a', auth))).toBe('uuid-taken');
    expect(await problemOf(records.revokeKey(uuid))).toBe('key-not-found');
    expect(await records.ensure('alice', 'team-a', await records.issueKey('team-a'))).toBe('ensured');
  });

  it('sets, merges, clears and validates a namespace limits doc', async () => {
    await records.createUser('alice', 'team-a');
    expect(await records.limitsOf('team-a')).toEqual({});
    changes.length = 0;
    expect(await records.setLimits('team-a', { invocationsPerMinute: 10, allowedKinds: ['nodejs:20'] })).toEqual({ invocationsPerMinute: 10, allowedKinds: ['nodejs:20'] });
    expect(await records.setLimits('team-a', { invocationsPerMinute: null, concurrentInvocations: 2 })).toEqual({ allowedKinds: ['nodejs:20'], concurrentInvocations: 2 });
    expect(changes).toEqual([{ namespaces: ['team-a'] }, { namespaces: ['team-a'] }]);
    expect(await problemOf(records.setLimits('team-a', { minActionMemory: 400, maxActionMemory: 200 }))).toBe('invalid-argument');
    expect(await problemOf(records.setLimits('team-a', { concurrentInvocations: -1 }))).toBe('invalid-argument');
    expect(await problemOf(records.setLimits('team-a', { speed: 1 } as never))).toBe('invalid-argument');
    expect(await problemOf(records.setLimits('team-z', { concurrentInvocations: 1 }))).toBe('namespace-not-found');
    expect(await records.limitsOf('team-a')).toEqual({ allowedKinds: ['nodejs:20'], concurrentInvocations: 2 });
    await records.clearLimits('team-a');
    expect(await records.limitsOf('team-a')).toEqual({});
  });

  it('bootstraps idempotently, and replaces a configured key that changed', async () => {
    await records.ensure('guest', 'guest', GUEST_AUTH);
    await records.ensure('guest', 'guest', GUEST_AUTH);
    const { uuid } = splitAuth(GUEST_AUTH);
    expect(await records.listSubject('guest')).toEqual([{ namespace: 'guest', keys: [uuid] }]);
    const other = `${uuid}:${'x'.repeat(64)}`;
    await records.ensure('guest', 'guest', other);
    expect(keyMatches((await records.key(uuid))!, 'x'.repeat(64))).toBe(true);
    expect(await records.listKeys('guest')).toEqual([uuid]);
    expect(await problemOf(records.ensure('someone', 'guest', GUEST_AUTH))).toBe('namespace-taken');
  });

  it('keeps every key when many are issued for one namespace at once', async () => {
    await records.createUser('alice', 'team-a');
    const issued = await Promise.all(Array.from({ length: 8 }, () => records.issueKey('team-a')));
    const listed = await records.listKeys('team-a');
    expect(listed).toHaveLength(9);
    expect(listed).toEqual(expect.arrayContaining(issued.map((auth) => splitAuth(auth).uuid)));
  });
});

describe('bootstrap by several controllers at once', () => {
  it('converges when many start together on a fresh store', async () => {
    await Promise.all(Array.from({ length: 6 }, () => records.ensure('guest', 'guest', GUEST_AUTH)));
    expect(await records.listSubject('guest')).toEqual([{ namespace: 'guest', keys: [splitAuth(GUEST_AUTH).uuid] }]);
  });
});
