import fc from 'fast-check';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { parseAdminArgs } from './admin-args';
import { UsageError, isUsageError } from './usage-error';

function usageError(argv: string[]): string {
  try {
    parseAdminArgs(argv);
  } catch (err) {
    if (isUsageError(err)) return err.message;
    throw err;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('wisp-admin arguments', () => {
  it('parses every command, on Redis by default and on the embedded store with --data-dir', () => {
    expect(parseAdminArgs(['user', 'create', 'alice'])).toEqual({ store: { kind: 'redis' }, command: { name: 'user create', subject: 'alice', namespace: 'alice' } });
    expect(parseAdminArgs(['user', 'create', 'alice', '--namespace', 'team-a', `--auth=${GUEST_AUTH}`, '--data-dir', '/tmp/x'])).toEqual({
      store: { kind: 'embedded', dataDir: '/tmp/x' },
      command: { name: 'user create', subject: 'alice', namespace: 'team-a', auth: GUEST_AUTH },
    });
    expect(parseAdminArgs(['user', 'list', 'alice']).command).toEqual({ name: 'user list', subject: 'alice' });
    expect(parseAdminArgs(['namespace', 'create', 'alice', 'team-b']).command).toEqual({ name: 'namespace create', subject: 'alice', namespace: 'team-b' });
    expect(parseAdminArgs(['key', 'issue', 'team-b']).command).toEqual({ name: 'key issue', namespace: 'team-b' });
    expect(parseAdminArgs(['key', 'list', 'team-b']).command).toEqual({ name: 'key list', namespace: 'team-b' });
    expect(parseAdminArgs(['key', 'revoke', '23bc46b1-71f6-4ed5-8c54-816aa4f8c502']).command).toEqual({ name: 'key revoke', uuid: '23bc46b1-71f6-4ed5-8c54-816aa4f8c502' });
    expect(parseAdminArgs(['limits', 'get', 'team-b']).command).toEqual({ name: 'limits get', namespace: 'team-b' });
    expect(parseAdminArgs(['limits', 'delete', 'team-b']).command).toEqual({ name: 'limits delete', namespace: 'team-b' });
    expect(parseAdminArgs(['help']).command).toEqual({ name: 'help' });
    expect(parseAdminArgs(['key', 'list', 'team-b', '--help']).command).toEqual({ name: 'help' });
    expect(parseAdminArgs(['key', 'revoke', '--', '-leading-dash']).command).toEqual({ name: 'key revoke', uuid: '-leading-dash' });
  });

  it('reads limit values by their field: numbers, booleans, kind lists, and default to clear', () => {
    const { command } = parseAdminArgs([
      'limits', 'set', 'team-b',
      '--invocationsPerMinute', '10', '--concurrentInvocations=0', '--firesPerMinute', 'default',
      '--allowedKinds', 'nodejs:20, python:3.11', '--storeActivations', 'false', '--maxActionMemory', '256',
    ]);
    expect(command).toEqual({
      name: 'limits set',
      namespace: 'team-b',
      patch: { invocationsPerMinute: 10, concurrentInvocations: 0, firesPerMinute: null, allowedKinds: ['nodejs:20', 'python:3.11'], storeActivations: false, maxActionMemory: 256 },
    });
    expect(parseAdminArgs(['limits', 'set', 'ns', '--allowedKinds', '']).command).toMatchObject({ patch: { allowedKinds: [] } });
  });

  it.each([
    [['frob'], "unknown command 'frob'"],
    [['user', 'create'], "'user create' needs <subject>; missing <subject>"],
    [['user', 'create', 'alice', 'extra'], "'user create' takes 1 argument, but got 2: alice extra"],
    [['user', 'create', 'bob'], "subject 'bob' is too short: a subject has at least 5 characters"],
    [['user', 'create', 'al ice'], "subject 'al ice' is not valid: use 5 to 256 letters, digits, '_', '@', '.' or '-'"],
    [['user', 'create', 'alice', '--namespace', 'bad/ns'], "namespace 'bad/ns' is not valid: use letters, digits and '_', with '@', '.', '&', '-' or space inside, at most 256 characters"],
    [['user', 'create', 'alice', '--auth', 'nope'], "--auth: 'nope' is not of the form uuid:key"],
    [['user', 'create', 'alice', '--color', 'red'], "'user create' takes no option --color"],
    [['user', 'create', 'alice', '--namespace'], '--namespace needs a value'],
    [['user', 'create', 'alice', '--namespace', 'a', '--namespace', 'b'], '--namespace is given more than once'],
    [['key', 'revoke', 'uuid:key'], "'uuid:key' is not a key uuid (give the uuid part of uuid:key only)"],
    [['namespace', 'create', 'alice'], "'namespace create' needs <subject> <namespace>; missing <namespace>"],
    [['limits', 'set', 'ns'], "'limits set' needs at least one --FIELD VALUE; fields: invocationsPerMinute, concurrentInvocations, firesPerMinute, allowedKinds, storeActivations, minActionMemory, maxActionMemory, minActionTimeout, maxActionTimeout, minActionLogs, maxActionLogs, minActionConcurrency, maxActionConcurrency"],
    [['limits', 'set', 'ns', '--invocationsPerMinute', '-5'], '--invocationsPerMinute must be a whole number from 0 to 1000000000, but was "-5"'],
    [['limits', 'set', 'ns', '--invocationsPerMinute', 'lots'], '--invocationsPerMinute must be a whole number from 0 to 1000000000, but was "lots"'],
    [['limits', 'set', 'ns', '--storeActivations', 'yes'], '--storeActivations must be true or false, but was "yes"'],
    [['limits', 'set', 'ns', '--allowedKinds', 'node js'], `--allowedKinds holds "node js", which is not a kind (like 'nodejs:20' or 'blackbox')`],
    [['limits', 'set', 'ns', '--speed', '3'], "'limits set' takes no option --speed"],
    [['key', 'list', 'ns', '--data-dir', ''], '--data-dir needs a directory'],
    [['key', 'list', '--color', 'ns', 'team-b'], "'key list' takes no option --color"],
    [['key', 'list', 'ns', '--=x'], "'--=x' is not an option"],
    [['key', 'revoke', '-x'], "'-x' is not an option: options are --name VALUE (put -- before an argument that starts with -)"],
  ])('refuses %j: %s', (argv, message) => {
    expect(usageError(argv)).toBe(message);
  });
});

describe('wisp-admin arguments under hostile input', () => {
  it('either parses or throws a UsageError, never anything else', () => {
    const word = fc.oneof(
      fc.constantFrom('user', 'create', 'list', 'key', 'issue', 'revoke', 'namespace', 'limits', 'set', 'get', 'delete', 'help', '--namespace', '--auth', '--data-dir', '--invocationsPerMinute', '--allowedKinds', '--storeActivations', 'default', ''),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), (argv) => {
        try {
          const parsed = parseAdminArgs(argv);
          expect(parsed.command.name).toEqual(expect.any(String));
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
          expect((err as Error).message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
