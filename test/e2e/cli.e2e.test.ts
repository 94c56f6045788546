import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { builtEntry } from '../harness/built-entry';
import { createZip } from '../harness/create-zip';
import { eventually } from '../harness/eventually';
import { startStandalonePlatform, type StandalonePlatform } from '../harness/platforms';
import { useTempDirs } from '../harness/temp-dirs';

// The built `wisp` executable (dist/deploy/cli/main.js, the package's bin) as a user runs it:
// a child process per command, a property file of its own (WSK_CONFIG_FILE), against one
// standalone platform with process containers. Checks what it prints, what --json prints,
// and the exit codes wsk gives.

jest.setTimeout(120_000);

const tempDir = useTempDirs('wisp-cli-e2e');
const ID = /with id ([0-9a-f]{32})/;

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe('the wisp CLI against a standalone platform', () => {
  let platform: StandalonePlatform | undefined;
  let dir: string;
  let env: Record<string, string>;
  const u = `cli${Date.now().toString(36)}`;

  const start = (args: readonly string[], extraEnv: Record<string, string> = {}): ChildProcess =>
    spawn(process.execPath, [builtEntry('deploy/cli/main.ts'), ...args], { cwd: dir, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  const wispWith = async (extraEnv: Record<string, string>, args: readonly string[]): Promise<Result> => {
    const child = start(args, extraEnv);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const [code] = (await once(child, 'close')) as [number | null];
    return { code, stdout, stderr };
  };
  const wisp = (...args: string[]): Promise<Result> => wispWith({}, args);
  /** A command that must succeed; its output otherwise in the failure. */
  const ok = async (...args: string[]): Promise<string> => {
    const r = await wisp(...args);
    if (r.code !== 0) throw new Error(`wisp ${args.join(' ')} exited ${r.code}:\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const okJson = async <T = unknown>(...args: string[]): Promise<T> => JSON.parse(await ok(...args, '--json')) as T;

  beforeAll(async () => {
    platform = await startStandalonePlatform({ prefix: `e2e-cli-${process.pid}`, containers: 'process' });
    dir = tempDir();
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('WHISK_') && k !== 'WSK_CONFIG_FILE')) as Record<string, string>;
    env = { ...inherited, WSK_CONFIG_FILE: join(dir, 'wskprops'), HOME: dir };
    writeFileSync(join(dir, 'hello.js'), 'function main(p) { console.log("hello log " + p.name); return { greeting: "hello " + p.name }; }');
    writeFileSync(join(dir, 'fail.js'), 'function main() { return { error: "it broke" }; }');
    writeFileSync(join(dir, 'feed.js'), 'function main(p) { return p.refuse ? { error: "feed refused " + p.triggerName } : { ok: true, event: p.lifecycleEvent }; }');
    writeFileSync(join(dir, 'echo.js'), 'function main(p) { return p; }');
    writeFileSync(join(dir, 'app.zip'), createZip({ 'package.json': '{"main":"lib.js"}', 'lib.js': 'exports.main = (p) => ({ zipped: true, n: p.n });' }));
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('writes the property file with property set, and reads it back', async () => {
    const set = await ok('property', 'set', '--apihost', platform!.apihost, '--auth', GUEST_AUTH);
    expect(set).toContain(`ok: whisk API host set to ${platform!.apihost}`);
    expect(readFileSync(join(dir, 'wskprops'), 'utf8')).toBe(`APIHOST=${platform!.apihost}\nAUTH=${GUEST_AUTH}\n`);
    expect(await okJson('property', 'get')).toEqual({ APIHOST: platform!.apihost, AUTH: GUEST_AUTH, NAMESPACE: '' });
  });

  it('creates actions from a source file and a zip, invokes them with -br, and lists them', async () => {
    expect(await ok('action', 'create', `${u}-hello`, 'hello.js')).toBe(`ok: created action ${u}-hello\n`);
    expect(JSON.parse(await ok('action', 'invoke', `${u}-hello`, '-p', 'name', 'cli', '-br'))).toEqual({ greeting: 'hello cli' });

    expect(await ok('action', 'create', `${u}-zip`, 'app.zip', '--kind', 'nodejs:20')).toBe(`ok: created action ${u}-zip\n`);
    expect(JSON.parse(await ok('action', 'invoke', `${u}-zip`, '-r', '-p', 'n', '7'))).toEqual({ zipped: true, n: 7 });

    const table = await ok('action', 'list');
    expect(table.split('\n')[0]).toBe('actions');
    expect(table).toMatch(new RegExp(`^/guest/${u}-hello {2,}private nodejs:20$`, 'm'));
    const listed = await okJson<Array<{ name: string }>>('action', 'list');
    expect(listed.map((a) => a.name)).toEqual(expect.arrayContaining([`${u}-hello`, `${u}-zip`]));
    const got = await okJson<{ exec: { kind: string; binary: boolean } }>('action', 'get', `${u}-zip`);
    expect(got.exec).toMatchObject({ kind: 'nodejs:20', binary: true });

    // An update without code keeps the code and changes only what it names.
    expect(await ok('action', 'update', `${u}-zip`, '-p', 'n', '8', '--memory', '128', '--web', 'true')).toBe(`ok: updated action ${u}-zip\n`);
    const updated = await okJson<{ limits: { memory: number }; parameters: unknown[]; annotations: unknown[]; version: string }>('action', 'get', `${u}-zip`);
    expect(updated).toMatchObject({ version: '0.0.2', limits: { memory: 128 }, parameters: [{ key: 'n', value: 8 }] });
    expect(updated.annotations).toContainEqual({ key: 'web-export', value: true });
    expect(JSON.parse(await ok('action', 'invoke', `${u}-zip`, '-r'))).toEqual({ zipped: true, n: 8 });
  });

  it('finds an activation with activation list, get, logs and result', async () => {
    const invoked = await ok('action', 'invoke', `${u}-hello`, '-p', 'name', 'logs', '-b');
    const id = ID.exec(invoked)?.[1];
    expect(id).toBeDefined();
    expect(JSON.parse(invoked.slice(invoked.indexOf('\n') + 1))).toMatchObject({ activationId: id, response: { success: true, result: { greeting: 'hello logs' } } });

    // The record is stored as the blocking answer goes out; the list may see it a moment later.
    const table = await eventually(async () => {
      const out = await ok('activation', 'list', `${u}-hello`);
      return out.includes(id!) ? out : undefined;
    }, 30_000, 250);
    expect(table.split('\n')[0]).toMatch(/^Datetime +Activation ID +Kind +Start +Duration +Status +Entity$/);
    expect(table).toMatch(new RegExp(`${id} nodejs:20 +(cold|warm) +\\d+ms +success +guest/${u}-hello:0\\.0\\.1`));
    expect((await okJson<Array<{ activationId: string }>>('activation', 'list', `${u}-hello`)).map((a) => a.activationId)).toContain(id);
    expect(await okJson('activation', 'get', id!)).toMatchObject({ activationId: id, name: `${u}-hello` });
    expect(await ok('activation', 'result', id!)).toBe('{\n    "greeting": "hello logs"\n}\n');
    const logs = await eventually(async () => {
      const out = await ok('activation', 'logs', id!, '--strip');
      return out.includes('hello log logs') ? out : undefined;
    }, 30_000, 250);
    expect(logs.trim()).toBe('hello log logs');
  });

  it('fires a trigger through a rule into an action', async () => {
    expect(await ok('trigger', 'create', `${u}-t`)).toBe(`ok: created trigger ${u}-t\n`);
    expect(await ok('rule', 'create', `${u}-r`, `${u}-t`, `${u}-hello`)).toBe(`ok: created rule ${u}-r\n`);
    expect(await ok('rule', 'list')).toMatch(new RegExp(`^/guest/${u}-r +private +active$`, 'm'));
    const fired = await ok('trigger', 'fire', `${u}-t`, '-p', 'name', 'rule');
    const triggerId = ID.exec(fired)?.[1];
    expect(fired).toBe(`ok: triggered /_/${u}-t with id ${triggerId}\n`);
    const caused = await eventually(async () => {
      const list = await okJson<Array<{ activationId: string; cause?: string }>>('activation', 'list', `${u}-hello`);
      return list.find((a) => a.cause === triggerId);
    }, 60_000, 500);
    expect(await okJson('activation', 'result', caused.activationId)).toMatchObject({ result: { greeting: 'hello rule' } });
    expect(await ok('rule', 'disable', `${u}-r`)).toBe(`ok: disabled rule ${u}-r\n`);
    expect(await okJson('rule', 'get', `${u}-r`)).toMatchObject({ status: 'inactive' });
    expect(await ok('rule', 'delete', `${u}-r`)).toBe(`ok: deleted rule ${u}-r\n`);
  });

  it('wires a trigger to its feed, and deletes the trigger when the feed refuses', async () => {
    await ok('action', 'create', `${u}-feed`, 'feed.js');
    const created = await ok('trigger', 'create', `${u}-ft`, '--feed', `${u}-feed`);
    expect(created).toMatch(new RegExp(`^ok: invoked /_/${u}-feed with id [0-9a-f]{32}\nok: created trigger ${u}-ft\n$`));
    const trigger = await okJson<{ annotations: Array<{ key: string; value: unknown }> }>('trigger', 'get', `${u}-ft`);
    expect(trigger.annotations).toContainEqual({ key: 'feed', value: `/_/${u}-feed` });
    expect(await ok('trigger', 'delete', `${u}-ft`)).toBe(`ok: deleted trigger ${u}-ft\n`);

    const refused = await wisp('trigger', 'create', `${u}-ft2`, '--feed', `${u}-feed`, '--feed-param', 'refuse', 'true');
    expect(refused.code).toBe(246);
    expect(refused.stderr).toMatch(new RegExp(`^error: Unable to create trigger '${u}-ft2': the feed '/_/${u}-feed' failed: feed refused /_/${u}-ft2 \\(code \\S+\\)\n$`));
    expect((await wisp('trigger', 'get', `${u}-ft2`)).code).toBe(148);
  });

  it('binds a package, and an action invoked through the binding gets the binding’s parameters', async () => {
    expect(await ok('package', 'create', `${u}-pkg`, '-p', 'x', '1')).toBe(`ok: created package ${u}-pkg\n`);
    await ok('action', 'create', `${u}-pkg/echo`, 'echo.js');
    expect(await ok('package', 'bind', `${u}-pkg`, `${u}-bound`, '-p', 'y', '"two"')).toBe(`ok: created binding ${u}-bound\n`);
    expect(await okJson('package', 'get', `${u}-bound`)).toMatchObject({ binding: { namespace: 'guest', name: `${u}-pkg` } });
    expect(JSON.parse(await ok('action', 'invoke', `${u}-bound/echo`, '-r', '-p', 'z', 'true'))).toEqual({ x: 1, y: 'two', z: true });
    expect(await ok('package', 'list')).toMatch(new RegExp(`^/guest/${u}-bound +private$`, 'm'));
    expect(await ok('namespace', 'list')).toBe('namespaces\nguest\n');
  });

  it('reports errors on one line with the transaction id, and exits as wsk does', async () => {
    const missing = await wisp('action', 'get', `${u}-nope`);
    expect(missing).toMatchObject({ code: 148, stdout: '' });
    expect(missing.stderr).toMatch(new RegExp(`^error: Unable to get action '${u}-nope': The requested resource does not exist\\. \\(code \\S+\\)\n$`));

    expect((await wisp('action', 'create', `${u}-hello`, 'hello.js')).code).toBe(153);
    expect((await wisp('action', 'list', '--auth', '23bc46b1-71f6-4ed5-8c54-816aa4f8c502:wrong')).code).toBe(145);

    await ok('action', 'create', `${u}-fail`, 'fail.js');
    const failed = await wisp('action', 'invoke', `${u}-fail`, '-br', '--json');
    expect(failed.code).toBe(246);
    expect(JSON.parse(failed.stdout)).toEqual({ error: 'it broke' });

    const jsonError = await wisp('trigger', 'get', `${u}-nope`, '--json');
    expect(jsonError.code).toBe(148);
    expect(JSON.parse(jsonError.stderr)).toMatchObject({ status: 404, exitCode: 148, code: expect.any(String) });

    expect((await wisp('action', 'create', `${u}-x`, 'missing.js')).code).toBe(2);
    expect((await wisp('bogus')).code).toBe(1);
    const noKey = await wispWith({ WSK_CONFIG_FILE: join(dir, 'empty-props') }, ['action', 'list', '--apihost', platform!.apihost]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('--auth is required');
    expect((await wisp('action', 'list', '--apihost', 'http://127.0.0.1:1')).code).toBe(3);
  });

  it('polls new activations as they arrive, and stops on Ctrl-C', async () => {
    const child = start(['activation', 'poll', `${u}-hello`]);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const closed = once(child, 'close');
    try {
      await eventually(async () => (output.includes('Polling for activation logs') ? true : undefined), 20_000);
      const id = ID.exec(await ok('action', 'invoke', `${u}-hello`, '-b', '-p', 'name', 'polled'))![1];
      await eventually(async () => (output.includes(`Activation: '${u}-hello' (${id})`) && output.includes('hello log polled') ? true : undefined), 30_000, 100);
      child.kill('SIGINT');
      const [code] = (await closed) as [number | null];
      expect(code).toBe(0);
      expect(output).toContain('Polling stopped');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
