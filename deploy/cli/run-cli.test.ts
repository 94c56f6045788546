import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTempDirs } from '../../test/harness/temp-dirs';
import type { CliEnvironment } from './cli-context';
import type { HttpRequest, HttpResponse } from './http-transport';
import { runCli } from './run-cli';

// The whole command line in-process, with a stand-in for the platform: what each command sends,
// what it prints and the exit code it ends with. The built executable against a real platform
// is test/e2e/cli.e2e.test.ts.

const tempDir = useTempDirs('wisp-cli-run');
const AUTH = 'uuid:key';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly requests: HttpRequest[];
}

type Answer = Partial<HttpResponse> & { json?: unknown };

async function wisp(argv: string[], answers: Answer[] = [], props = `APIHOST=http://wisp.test:3233\nAUTH=${AUTH}\n`): Promise<Run & { propsFile: string }> {
  const dir = tempDir();
  const propsFile = join(dir, 'props');
  writeFileSync(propsFile, props);
  const requests: HttpRequest[] = [];
  let stdout = '';
  let stderr = '';
  const cli: CliEnvironment = {
    env: { WSK_CONFIG_FILE: propsFile },
    home: dir,
    out: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
    transport: async (request) => {
      requests.push(request);
      const answer = answers.shift() ?? { status: 200, json: {} };
      if (answer.status === -1) throw new Error('connect ECONNREFUSED');
      return { status: answer.status ?? 200, headers: answer.headers ?? {}, text: answer.text ?? JSON.stringify(answer.json ?? {}) };
    },
    interrupted: new AbortController().signal,
    now: () => 1_000_000,
    sleep: async () => undefined,
    version: '0.0.0-test',
  };
  const code = await runCli(argv, cli);
  return { code, stdout, stderr, requests, propsFile };
}

const bodyOf = (r: HttpRequest) => JSON.parse(r.body ?? 'null') as Record<string, unknown>;

describe('wisp, parsed and run', () => {
  it('invokes with -p pairs, -b, -r and global flags before or after the command, with Basic auth', async () => {
    const run = await wisp(['--apihost', 'http://other:1', 'action', 'invoke', '-p', 'name', 'world', '/ns/pkg/hello', '-p', 'n', '5', '-r', '-u', 'a:b'], [{ status: 200, json: { hello: 'world' } }]);
    expect(run.code).toBe(0);
    const [req] = run.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url.toString()).toBe('http://other:1/api/v1/namespaces/ns/actions/pkg/hello?blocking=true&result=true');
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from('a:b').toString('base64')}`);
    expect(bodyOf(req!)).toEqual({ name: 'world', n: 5 });
    expect(JSON.parse(run.stdout)).toEqual({ hello: 'world' });
  });

  it('creates an action as wsk sends it: kind from the file, parameters, annotations, limits, web', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'hello.js'), 'function main(){return {}}');
    const run = await wisp(['action', 'create', 'hello', join(dir, 'hello.js'), '-p', 'a', '1', '-a', 'description', 'hi', '--web', 'true', '--timeout', '3000', '--memory', '128']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('ok: created action hello\n');
    const req = run.requests[0]!;
    expect(req.method).toBe('PUT');
    expect(req.url.search).toBe('?overwrite=false');
    expect(bodyOf(req)).toEqual({
      namespace: '_',
      name: 'hello',
      exec: { kind: 'nodejs:default', code: 'function main(){return {}}' },
      parameters: [{ key: 'a', value: 1 }],
      annotations: [
        { key: 'description', value: 'hi' },
        { key: 'web-export', value: true },
        { key: 'raw-http', value: false },
        { key: 'final', value: true },
      ],
      limits: { timeout: 3000, memory: 128 },
    });
  });

  it('prints an HTTP error on one line with the transaction id and exits with the status minus 256', async () => {
    const run = await wisp(['action', 'get', 'nope'], [{ status: 404, json: { error: 'The requested resource does not exist.', code: 'tid42' } }]);
    expect(run.code).toBe(148);
    expect(run.stderr).toBe("error: Unable to get action 'nope': The requested resource does not exist. (code tid42)\n");
    const conflict = await wisp(['trigger', 'create', 't'], [{ status: 409, json: { error: 'resource already exists', code: 'tid43' } }]);
    expect(conflict.code).toBe(153);
  });

  it('with --json, prints the answer as JSON on stdout and an error as one JSON line on stderr', async () => {
    const list = await wisp(['action', 'list', '--json'], [{ json: [{ namespace: 'guest', name: 'a' }] }]);
    expect(JSON.parse(list.stdout)).toEqual([{ namespace: 'guest', name: 'a' }]);
    const failed = await wisp(['--json', 'rule', 'get', 'r'], [{ status: 401, json: { error: 'The supplied authentication is invalid', code: 'tid7' } }]);
    expect(failed.code).toBe(145);
    expect(JSON.parse(failed.stderr)).toMatchObject({ code: 'tid7', status: 401, exitCode: 145 });
  });

  it('shows a failed blocking activation on stderr and exits 246; a blocking invoke answered 202 exits 202', async () => {
    const activation = { activationId: 'a'.repeat(32), response: { success: false, status: 'application error', result: { error: 'boom' } } };
    const failed = await wisp(['action', 'invoke', 'x', '-b'], [{ status: 502, json: activation }]);
    expect(failed.code).toBe(246);
    expect(failed.stderr).toContain(`ok: invoked /_/x with id ${'a'.repeat(32)}`);
    const pending = await wisp(['action', 'invoke', 'x', '--blocking'], [{ status: 202, json: { activationId: 'b'.repeat(32) } }]);
    expect(pending.code).toBe(202);
    expect(pending.stdout).toContain('but the request has not yet finished');
  });

  it('exits 3 when the platform does not answer', async () => {
    const run = await wisp(['namespace', 'list'], [{ status: -1 }]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: Unable to reach http:\/\/wisp\.test:3233: connect ECONNREFUSED\n$/);
  });

  it('exits 2 on usage errors (no key, bad flag, bad value), 1 on an unknown command or a missing argument, as wsk', async () => {
    expect((await wisp(['action', 'list'], [], 'APIHOST=http://h\n')).code).toBe(2);
    expect((await wisp(['action', 'list', '--bogus'])).code).toBe(2);
    expect((await wisp(['action', 'create', 'x', 'y.txt', '--memory', 'lots'])).code).toBe(2);
    expect((await wisp(['bogus'])).code).toBe(1);
    const missing = await wisp(['action', 'get']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Run 'wisp --help' for usage.");
    expect(missing.requests).toHaveLength(0);
  });

  it('sets, gets and unsets properties; get and unset take --auth as a switch', async () => {
    const set = await wisp(['property', 'set', '--apihost', 'http://h:9', '--auth', 'k:v', '--namespace', 'guest'], [], 'APIVERSION=v1\n');
    expect(set.code).toBe(0);
    expect(readFileSync(set.propsFile, 'utf8')).toBe('APIVERSION=v1\nAPIHOST=http://h:9\nAUTH=k:v\nNAMESPACE=guest\n');
    const get = await wisp(['property', 'get', '--auth'], [], 'AUTH=k:v\n');
    expect(get.stdout).toBe('whisk auth               k:v\n');
    const unset = await wisp(['property', 'unset', '--auth', '--namespace'], [], 'AUTH=k:v\nAPIHOST=h\nNAMESPACE=n\n');
    expect(readFileSync(unset.propsFile, 'utf8')).toBe('APIHOST=h\n');
    expect(set.requests.length + get.requests.length + unset.requests.length).toBe(0);
  });

  it('uses NAMESPACE from the property file for names without one, and https for a host without a scheme', async () => {
    const run = await wisp(['trigger', 'fire', 't', '-p', 'k', 'v'], [{ json: { activationId: 'c'.repeat(32) } }], `APIHOST=wisp.example\nAUTH=${AUTH}\nNAMESPACE=team\n`);
    expect(run.requests[0]!.url.toString()).toBe('https://wisp.example/api/v1/namespaces/team/triggers/t');
    expect(run.stdout).toBe(`ok: triggered /team/t with id ${'c'.repeat(32)}\n`);
  });

  it('creates a feed trigger as wsk does, and deletes it again when the feed refuses', async () => {
    const refused = { activationId: 'd'.repeat(32), response: { success: false, result: { error: 'no such feed' } } };
    const run = await wisp(['trigger', 'create', 't', '--feed', '/whisk.system/alarms/alarm', '-p', 'cron', '* * * * *'], [{ json: {} }, { status: 502, json: refused }, { json: {} }]);
    const [put, feed, del] = run.requests;
    expect(bodyOf(put!)).toEqual({ name: 't', annotations: [{ key: 'feed', value: '/whisk.system/alarms/alarm' }] });
    expect(feed!.url.toString()).toBe('http://wisp.test:3233/api/v1/namespaces/whisk.system/actions/alarms/alarm?blocking=true');
    expect(bodyOf(feed!)).toEqual({ cron: '* * * * *', lifecycleEvent: 'CREATE', triggerName: '/_/t', authKey: AUTH });
    expect(del!.method).toBe('DELETE');
    expect(run.code).toBe(246);
    expect(run.stderr).toContain('no such feed');
  });

  it('creates rules with fully qualified trigger and action, and enables with a status POST', async () => {
    const create = await wisp(['rule', 'create', 'r', 't', 'pkg/a']);
    expect(bodyOf(create.requests[0]!)).toEqual({ name: 'r', status: '', trigger: '/_/t', action: '/_/pkg/a' });
    const enable = await wisp(['rule', 'enable', 'r']);
    expect(enable.requests[0]!.method).toBe('POST');
    expect(bodyOf(enable.requests[0]!)).toEqual({ status: 'active' });
    expect(enable.stdout).toBe('ok: enabled rule r\n');
  });

  it('passes activation list filters as query parameters', async () => {
    const run = await wisp(['activation', 'list', 'hello', '--status', 'application_error', '--start', 'cold', '--min-duration', '50', '--since', '10', '-l', '5']);
    expect(Object.fromEntries(run.requests[0]!.url.searchParams)).toEqual({ name: 'hello', limit: '5', skip: '0', since: '10', status: 'application_error', start: 'cold', minDuration: '50' });
  });
});
