import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { LOG_SENTINEL } from '../../common/spi/container-factory';
import { bundleRuntime } from '../runtime-bundle';
import { createZip } from './zip-writer';

// The proxy as it really runs: the esbuild bundle started with `node`, spoken to over HTTP.

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

interface RunningProxy {
  readonly url: string;
  readonly stdout: () => string[];
  readonly stderr: () => string[];
  post(path: string, body: unknown, raw?: string): Promise<Reply>;
  stop(): Promise<void>;
}

let bundleFile: string;
const running = new Set<ChildProcess>();

beforeAll(async () => {
  bundleFile = (await bundleRuntime('nodejs')).file;
});

afterAll(async () => {
  await Promise.all([...running].map(stopChild));
});

function stopChild(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function post(url: string, path: string, body: unknown, raw?: string, method = 'POST'): Promise<Reply> {
  const payload = raw ?? JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : (JSON.parse(text) as unknown) });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function startProxy(env: Record<string, string> = {}): Promise<RunningProxy> {
  const port = await freePort();
  const child = spawn(process.execPath, [bundleFile], {
    env: { PORT: String(port), WISP_RUNTIME_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await post(url, '/nothing', {});
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const lines = (text: string) => text.split('\n').filter((l) => l !== '');
  return {
    url,
    stdout: () => lines(out),
    stderr: () => lines(err),
    post: (path, body, raw) => post(url, path, body, raw),
    stop: () => stopChild(child),
  };
}

async function waitForSentinels(proxy: RunningProxy, count: number): Promise<void> {
  const deadline = Date.now() + 2000;
  const seen = () =>
    Math.min(proxy.stdout().filter((l) => l === LOG_SENTINEL).length, proxy.stderr().filter((l) => l === LOG_SENTINEL).length);
  while (seen() < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(seen()).toBe(count);
}

const init = (code: string, extra: Record<string, unknown> = {}) => ({ value: { name: 'a', main: 'main', binary: false, code, ...extra } });

describe('nodejs runtime proxy', () => {
  it('refuses /init without code or main, and /run before init', async () => {
    const proxy = await startProxy();
    expect(await proxy.post('/init', { value: {} })).toEqual({ status: 403, body: { error: 'Missing main/no code to execute.' } });
    expect(await proxy.post('/init', init(''))).toEqual({ status: 403, body: { error: 'Missing main/no code to execute.' } });
    expect(await proxy.post('/init', { value: { code: 'function main() {}', main: '' } })).toMatchObject({ status: 403 });
    expect(await proxy.post('/run', { value: {} })).toEqual({ status: 403, body: { error: 'System not initialized.' } });
    // Still initialisable after those refusals.
    expect(await proxy.post('/init', init('function main() { return {}; }'))).toEqual({ status: 200, body: { OK: true } });
    await proxy.stop();
  });

  it('answers 500 Bad request for bad JSON and unknown routes', async () => {
    const proxy = await startProxy();
    const bad = { status: 500, body: { error: 'Bad request.' } };
    expect(await proxy.post('/init', undefined, '{not json')).toEqual(bad);
    expect(await proxy.post('/other', {})).toEqual(bad);
    expect(await post(proxy.url, '/run', undefined, '', 'GET')).toEqual(bad);
    await proxy.stop();
  });

  it('runs a declared main with params, __OW_ fields and init env; one sentinel per stream per run', async () => {
    const proxy = await startProxy();
    const code = `
      const atLoad = process.env.SOME_VAR;
      function main(params) {
        console.log('out', params.n);
        console.error('err', params.n);
        return { params, atLoad, another: process.env.ANOTHER_VAR, obj: process.env.OBJ,
          ns: process.env.__OW_NAMESPACE, id: process.env.__OW_ACTIVATION_ID, deadline: process.env.__OW_DEADLINE,
          key: process.env.__OW_API_KEY, name: process.env.__OW_ACTION_NAME, extra: process.env.__OW_EXTRA_FIELD };
      }`;
    const env = { SOME_VAR: 'xyz', ANOTHER_VAR: '', OBJ: { a: 1 } };
    expect((await proxy.post('/init', init(code, { env }))).status).toBe(200);
    const fields = { namespace: 'guest', action_name: '/guest/a', activation_id: 'a'.repeat(32), deadline: '1718000060000', api_key: 'u:k', extra_field: 'yes' };
    const first = await proxy.post('/run', { value: { n: 1, snow: '❄ ☃ ❄' }, ...fields });
    expect(first).toEqual({
      status: 200,
      body: {
        params: { n: 1, snow: '❄ ☃ ❄' }, atLoad: 'xyz', another: '', obj: '{"a":1}',
        ns: 'guest', id: 'a'.repeat(32), deadline: '1718000060000', key: 'u:k', name: '/guest/a', extra: 'yes',
      },
    });
    // A non-string field is not exported: the previous value stays.
    const second = await proxy.post('/run', { value: { n: 2 }, namespace: 'other', deadline: 42 });
    expect(second.body).toMatchObject({ ns: 'other', deadline: '1718000060000' });
    await waitForSentinels(proxy, 2);
    expect(proxy.stdout()).toEqual(['out 1', LOG_SENTINEL, 'out 2', LOG_SENTINEL]);
    expect(proxy.stderr()).toEqual(['err 1', LOG_SENTINEL, 'err 2', LOG_SENTINEL]);
    expect(await proxy.post('/init', init(code))).toEqual({ status: 403, body: { error: 'Cannot initialize the action more than once.' } });
    await proxy.stop();
  });

  it.each([
    ['module.exports.main', 'module.exports.main = (p) => ({ got: p.x });', 'main'],
    ['exports.main', 'exports.main = function (p) { return { got: p.x }; };', 'main'],
    ['module.exports = fn', 'module.exports = (p) => ({ got: p.x });', 'main'],
    ['a const arrow', 'const main = (p) => ({ got: p.x });', 'main'],
    ['main naming another export', 'exports.other = (p) => ({ got: p.x }); exports.main = () => ({ got: "wrong" });', 'other'],
    ['main naming another declared function', 'function niam(p) { return { got: p.x }; }', 'niam'],
    ['a dotted path into the exports', 'exports.handlers = { hello: (p) => ({ got: p.x }) };', 'handlers.hello'],
    ['code that requires a built-in', 'const os = require("os"); exports.main = (p) => ({ got: p.x, os: typeof os.hostname });', 'main'],
  ])('finds the entry point: %s', async (_label, code, main) => {
    const proxy = await startProxy();
    expect(await proxy.post('/init', init(code, { main }))).toEqual({ status: 200, body: { OK: true } });
    const reply = await proxy.post('/run', { value: { x: 7 } });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ got: 7 });
    await proxy.stop();
  });

  it('reports a load failure with its stack, writes the sentinels, and stays uninitialised', async () => {
    const proxy = await startProxy();
    const reply = await proxy.post('/init', init('function main( {'));
    expect(reply.status).toBe(502);
    expect((reply.body as { error: string }).error).toMatch(/^Initialization has failed due to: .*SyntaxError/s);
    await waitForSentinels(proxy, 1);
    expect(await proxy.post('/run', { value: {} })).toEqual({ status: 403, body: { error: 'System not initialized.' } });
    expect(await proxy.post('/init', init('function main() {}'))).toEqual({ status: 403, body: { error: 'Cannot initialize the action more than once.' } });
    await proxy.stop();
  });

  it('reports an error thrown while loading', async () => {
    const proxy = await startProxy();
    const reply = await proxy.post('/init', init('throw new Error("no model file"); function main() {}'));
    expect(reply.status).toBe(502);
    expect((reply.body as { error: string }).error).toMatch(/^Initialization has failed due to: Error: no model file\n\s+at /);
    await proxy.stop();
  });

  it('refuses an entry point that is not a function', async () => {
    const proxy = await startProxy();
    expect(await proxy.post('/init', init('const main = 5;'))).toEqual({ status: 502, body: { error: "Action entrypoint 'main' is not a function." } });
    await proxy.stop();
    const other = await startProxy();
    expect(await other.post('/init', init('function main() {}', { main: 'nope' }))).toEqual({
      status: 502,
      body: { error: "Action entrypoint 'nope' is not a function." },
    });
    await other.stop();
  });

  it('maps every kind of result as OpenWhisk does', async () => {
    const proxy = await startProxy();
    const code = `
      async function main(p) {
        switch (p.mode) {
          case 'number': return 42;
          case 'string': return 'hello';
          case 'null': return null;
          case 'undefined': return undefined;
          case 'array': return [1, { a: 2 }];
          case 'later': return new Promise((resolve) => setTimeout(() => resolve({ later: true }), 30));
          case 'reject-error': { const e = new TypeError('bad input'); e.code = 'E_BAD'; throw e; }
          case 'reject-bare': return Promise.reject();
          case 'reject-object': return Promise.reject({ code: 7, detail: 'x' });
          case 'circular': { const o = {}; o.self = o; return o; }
          case 'echo': return p;
        }
      }
      function sync(p) { if (p.throw === 'error') throw new Error('boom'); throw 'plain'; }
      exports.main = main; exports.sync = sync;`;
    expect((await proxy.post('/init', init(code))).status).toBe(200);
    const run = (value: unknown) => proxy.post('/run', { value });
    expect(await run({ mode: 'number' })).toEqual({ status: 502, body: { error: 'The action did not return a dictionary.' } });
    expect(await run({ mode: 'string' })).toEqual({ status: 502, body: { error: 'The action did not return a dictionary.' } });
    expect(await run({ mode: 'null' })).toEqual({ status: 502, body: { error: 'The action did not return a dictionary.' } });
    expect(await run({ mode: 'undefined' })).toEqual({ status: 200, body: {} });
    expect(await run({ mode: 'array' })).toEqual({ status: 200, body: [1, { a: 2 }] });
    expect(await run({ mode: 'later' })).toEqual({ status: 200, body: { later: true } });
    const rejected = await run({ mode: 'reject-error' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ error: { name: 'TypeError', message: 'bad input', code: 'E_BAD' } });
    expect((rejected.body as { error: { stack: string } }).error.stack).toContain('TypeError: bad input');
    expect(await run({ mode: 'reject-bare' })).toEqual({ status: 200, body: { error: {} } });
    expect(await run({ mode: 'reject-object' })).toEqual({ status: 200, body: { error: { code: 7, detail: 'x' } } });
    const circular = await run({ mode: 'circular' });
    expect(circular.status).toBe(502);
    expect((circular.body as { error: string }).error).toMatch(/^An error has occurred: TypeError: Converting circular structure/);
    expect(await run(null)).toEqual({ status: 200, body: {} }); // null params → {} → main(undefined mode) → undefined
    expect(await proxy.post('/run', { value: 'text' })).toEqual({
      status: 403,
      body: { error: "Internal system error: the argument must be a dictionary but has type 'string'." },
    });
    const big = 'b'.repeat(1_500_000);
    expect(await run({ mode: 'echo', big })).toEqual({ status: 200, body: { mode: 'echo', big } });
    await proxy.stop();

    const sync = await startProxy();
    expect((await sync.post('/init', init(code, { main: 'sync' }))).status).toBe(200);
    expect(await sync.post('/run', { value: { throw: 'error' } })).toEqual({ status: 502, body: { error: 'An error has occurred: Error: boom' } });
    expect(await sync.post('/run', { value: {} })).toEqual({ status: 502, body: { error: 'An error has occurred: plain' } });
    await waitForSentinels(sync, 2);
    expect(sync.stderr().some((l) => l.includes('Error: boom'))).toBe(true);
    await sync.stop();
  });

  it('refuses a second run while one is in progress', async () => {
    const proxy = await startProxy();
    const code = 'function main(p) { return new Promise((r) => setTimeout(() => r({ slow: p.n }), 300)); }';
    expect((await proxy.post('/init', init(code))).status).toBe(200);
    const first = proxy.post('/run', { value: { n: 1 } });
    await new Promise((r) => setTimeout(r, 50));
    expect(await proxy.post('/run', { value: { n: 2 } })).toEqual({ status: 403, body: { error: 'System not ready, status is running.' } });
    expect(await first).toEqual({ status: 200, body: { slow: 1 } });
    expect(await proxy.post('/run', { value: { n: 3 } })).toEqual({ status: 200, body: { slow: 3 } });
    await proxy.stop();
  });

  it('exits when its stdin closes, if asked to (a process container whose invoker died)', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [bundleFile], {
      env: { PORT: String(port), WISP_RUNTIME_HOST: '127.0.0.1', WISP_RUNTIME_EXIT_WITH_STDIN: 'true' },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    running.add(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 200));
    expect(child.exitCode).toBeNull();
    child.stdin?.end();
    expect(await exited).toBe(0);
    running.delete(child);
  });

  describe('zipped actions', () => {
    const zipInit = (files: Record<string, string>, main = 'main') => ({
      value: { name: 'z', main, binary: true, code: createZip(files).toString('base64') },
    });

    it('loads package.json main with relative requires and files read from its own directory', async () => {
      const proxy = await startProxy();
      const files = {
        'package.json': JSON.stringify({ name: 'z', main: 'lib/entry.js' }),
        'lib/entry.js': 'const { greet } = require("./greet"); const fs = require("fs"); exports.main = (p) => ({ msg: greet(p.name), data: fs.readFileSync("data.txt", "utf8") });',
        'lib/greet.js': 'exports.greet = (n) => "hello " + n;',
        'data.txt': 'payload',
      };
      expect(await proxy.post('/init', zipInit(files))).toEqual({ status: 200, body: { OK: true } });
      expect(await proxy.post('/run', { value: { name: 'zip' } })).toEqual({ status: 200, body: { msg: 'hello zip', data: 'payload' } });
      await proxy.stop();
    });

    it('loads index.js without a package.json, and an ES module package', async () => {
      const proxy = await startProxy();
      expect(await proxy.post('/init', zipInit({ 'index.js': 'module.exports.go = () => ({ index: true });' }, 'go'))).toMatchObject({ status: 200 });
      expect(await proxy.post('/run', { value: {} })).toEqual({ status: 200, body: { index: true } });
      await proxy.stop();
      const esm = await startProxy();
      const files = { 'package.json': JSON.stringify({ type: 'module', main: 'main.js' }), 'main.js': 'export function main(p) { return { esm: p.v }; }' };
      expect(await esm.post('/init', zipInit(files))).toMatchObject({ status: 200 });
      expect(await esm.post('/run', { value: { v: 1 } })).toEqual({ status: 200, body: { esm: 1 } });
      await esm.stop();
    });

    it('refuses an archive without an entry, and content that is not a zip', async () => {
      const proxy = await startProxy();
      expect(await proxy.post('/init', zipInit({ 'other.js': 'exports.main = () => ({})' }))).toEqual({
        status: 502,
        body: { error: 'Zipped actions must contain either package.json or index.js at the root.' },
      });
      await proxy.stop();
      const other = await startProxy();
      const notZip = { value: { name: 'z', main: 'main', binary: true, code: Buffer.from('just text').toString('base64') } };
      expect(await other.post('/init', notZip)).toEqual({
        status: 502,
        body: { error: 'There was an error uncompressing the action archive. The file type is unsupported' },
      });
      await other.stop();
      const corrupt = await startProxy();
      const damaged = Buffer.from(createZip({ 'index.js': `exports.main = () => (${JSON.stringify({ pad: 'p'.repeat(1000) })});` }));
      damaged.fill(0xff, 40, 48);
      const corruptInit = { value: { name: 'z', main: 'main', binary: true, code: damaged.toString('base64') } };
      expect(await corrupt.post('/init', corruptInit)).toEqual({ status: 502, body: { error: 'There was an error uncompressing the action archive.' } });
      await corrupt.stop();
    });
  });
});
