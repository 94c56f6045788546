import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEntityStore } from '../../common/adapters/embedded/embedded-entity-store';
import { GUEST_AUTH, keyMatches, splitAuth } from '../../common/entities/credentials';
import { silentLogger } from '../../common/logging/logger';
import { IdentityRecords } from '../identity/identity-records';
import { AUTH_LINE, runAdmin } from '../../test/harness/admin-process';

// wisp-admin as a real process on a standalone platform's embedded store (a temp data dir).

jest.setTimeout(60_000);

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'wisp-admin-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

const admin = (...args: string[]) => runAdmin([...args, '--data-dir', dataDir]);

describe('wisp-admin on the embedded store', () => {
  it('creates a user, issues, lists and revokes keys, and the store holds what it printed', async () => {
    const created = await admin('user', 'create', 'alice', '--namespace', 'team-a');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toMatch(AUTH_LINE);
    const first = created.stdout.trim();

    const issued = await admin('key', 'issue', 'team-a');
    expect(issued.stdout).toMatch(AUTH_LINE);
    const second = issued.stdout.trim();

    const listed = await admin('key', 'list', 'team-a');
    expect(listed).toMatchObject({ code: 0, stdout: `${splitAuth(first).uuid}\n${splitAuth(second).uuid}\n` });
    expect(listed.stdout).not.toContain(splitAuth(first).key);

    const more = await admin('namespace', 'create', 'alice', 'team-b');
    expect(more.stdout).toMatch(AUTH_LINE);
    expect((await admin('user', 'list', 'alice')).stdout).toBe(
      `team-a\t${splitAuth(first).uuid}\nteam-a\t${splitAuth(second).uuid}\nteam-b\t${splitAuth(more.stdout.trim()).uuid}\n`,
    );

    expect(await admin('key', 'revoke', splitAuth(first).uuid)).toMatchObject({ code: 0, stdout: `revoked key ${splitAuth(first).uuid} of namespace team-a\n` });
    expect((await admin('key', 'list', 'team-a')).stdout).toBe(`${splitAuth(second).uuid}\n`);

    const store = openEmbeddedEntityStore({ dataDir, logger: silentLogger });
    const records = new IdentityRecords({ store });
    expect(await records.key(splitAuth(first).uuid)).toMatchObject({ revoked: true });
    const kept = await records.key(splitAuth(second).uuid);
    expect(kept && keyMatches(kept, splitAuth(second).key)).toBe(true);
    await store.close();
  });

  it('takes a given uuid:key and sets, reads and clears limits', async () => {
    expect(await admin('user', 'create', 'guest2', '--auth', GUEST_AUTH)).toMatchObject({ code: 0, stdout: `${GUEST_AUTH}\n` });
    const set = await admin('limits', 'set', 'guest2', '--invocationsPerMinute', '10', '--concurrentInvocations', '2', '--allowedKinds', 'nodejs:20');
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ invocationsPerMinute: 10, concurrentInvocations: 2, allowedKinds: ['nodejs:20'] });
    await admin('limits', 'set', 'guest2', '--invocationsPerMinute', 'default', '--firesPerMinute', '5');
    expect(JSON.parse((await admin('limits', 'get', 'guest2')).stdout)).toEqual({ concurrentInvocations: 2, allowedKinds: ['nodejs:20'], firesPerMinute: 5 });
    expect((await admin('limits', 'delete', 'guest2')).code).toBe(0);
    expect(JSON.parse((await admin('limits', 'get', 'guest2')).stdout)).toEqual({});
  });

  it.each([
    [['user', 'create', 'bob'], 2, "subject 'bob' is too short"],
    [['limits', 'set', 'team-a', '--invocationsPerMinute', 'many'], 2, '--invocationsPerMinute must be a whole number'],
    [['key', 'frob'], 2, "unknown command 'key frob'"],
    [['key', 'list', 'nowhere'], 1, "namespace 'nowhere' does not exist"],
    [['key', 'revoke', '00000000-0000-4000-8000-000000000000'], 1, "no key with uuid '00000000-0000-4000-8000-000000000000' exists"],
    [['namespace', 'create', 'nobody1', 'ns1'], 1, "subject 'nobody1' does not exist"],
    [['limits', 'get', 'nowhere'], 1, "namespace 'nowhere' does not exist"],
  ])('%j exits %i: %s', async (args, code, message) => {
    const run = await admin(...args);
    expect(run.code).toBe(code);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
  });

  it('refuses a namespace twice, and one owned by another subject, with exit 1', async () => {
    await admin('user', 'create', 'alice', '--namespace', 'shared');
    expect(await admin('user', 'create', 'alice', '--namespace', 'shared')).toMatchObject({ code: 1, stderr: expect.stringContaining("namespace 'shared' already exists for subject 'alice'") });
    expect(await admin('user', 'create', 'mallory', '--namespace', 'shared')).toMatchObject({ code: 1, stderr: expect.stringContaining("namespace 'shared' already exists and belongs to another subject") });
    expect((await admin('user', 'list', 'mallory')).code).toBe(1);
  });

  it('says the standalone platform must be stopped while it holds the store', async () => {
    const held = openEmbeddedEntityStore({ dataDir, logger: silentLogger });
    try {
      const run = await admin('key', 'list', 'guest');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`the embedded store in ${dataDir} is locked by pid ${process.pid}`);
      expect(run.stderr).toContain('only while the standalone platform is stopped');
    } finally {
      await held.close();
    }
  });

  it('prints its usage for help (exit 0) and with no command (exit 2)', async () => {
    const help = await runAdmin(['help']);
    expect(help).toMatchObject({ code: 0 });
    expect(help.stdout).toContain('user create <subject> [--namespace NS] [--auth UUID:KEY]');
    const none = await runAdmin([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('usage: wisp-admin');
  });
});
