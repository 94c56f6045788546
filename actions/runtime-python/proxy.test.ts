import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { LOG_SENTINEL } from '../../common/spi/container-factory';
import { createZip } from '../runtime-nodejs/zip-writer';
import { PYTHON_PROXY_FILE } from './proxy-file';

// The python proxy as it really runs: proxy.py under the host's python3, spoken to over HTTP.
// The answers are the nodejs proxy's (actions/runtime-nodejs/proxy.test.ts), where python has
// the same case; python's own: __main__.py zips, None is not a dictionary, exceptions are 502.

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

const running = new Set<ChildProcess>();
// The interpreter's own path, so the proxies start with an environment holding nothing else.
const PYTHON = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();

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
    req.end(method === 'GET' ? undefined : payload);
  });
}

// An empty environment, as a process container gets.
async function startProxy(env: Record<string, string> = {}): Promise<RunningProxy> {
  const port = await freePort();
  const child = spawn(PYTHON, [PYTHON_PROXY_FILE, '--wisp-label=test=1'], {
    env: { PORT: String(port), WISP_RUNTIME_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await post(url, '/nothing', {});
      break;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${(error as Error).message}\n${err}`);
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
const zipInit = (files: Record<string, string>, main = 'main') => ({ value: { name: 'z', main, binary: true, code: createZip(files).toString('base64') } });

describe('python runtime proxy', () => {
  it('refuses /init without code or main, and /run before init', async () => {
    const proxy = await startProxy();
    expect(await proxy.post('/init', { value: {} })).toEqual({ status: 403, body: { error: 'Missing main/no code to execute.' } });
    expect(await proxy.post('/init', init(''))).toEqual({ status: 403, body: { error: 'Missing main/no code to execute.' } });
    expect(await proxy.post('/init', { value: { code: 'def main(a): return a', main: '' } })).toMatchObject({ status: 403 });
    expect(await proxy.post('/run', { value: {} })).toEqual({ status: 403, body: { error: 'System not initialized.' } });
    expect(await proxy.post('/init', init('def main(args):\n    return {}\n'))).toEqual({ status: 200, body: { OK: true } });
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

  it('runs main with params, __OW_ fields and init env; one sentinel per stream per run, flushed', async () => {
    const proxy = await startProxy();
    const code = [
      'import os, sys',
      "AT_LOAD = os.environ.get('SOME_VAR')",
      'def main(params):',
      "    print('out', params['n'])",
      "    print('err', params['n'], file=sys.stderr)",
      "    e = os.environ",
      "    return {'params': params, 'atLoad': AT_LOAD, 'another': e.get('ANOTHER_VAR'), 'obj': e.get('OBJ'), 'flag': e.get('FLAG'),",
      "            'ns': e.get('__OW_NAMESPACE'), 'id': e.get('__OW_ACTIVATION_ID'), 'deadline': e.get('__OW_DEADLINE'),",
      "            'key': e.get('__OW_API_KEY'), 'name': e.get('__OW_ACTION_NAME'), 'extra': e.get('__OW_EXTRA_FIELD')}",
      '',
    ].join('\n');
    const env = { SOME_VAR: 'xyz', ANOTHER_VAR: '', OBJ: { a: 1 }, FLAG: true };
    expect(await proxy.post('/init', init(code, { env }))).toEqual({ status: 200, body: { OK: true } });
    const fields = { namespace: 'guest', action_name: '/guest/a', activation_id: 'a'.repeat(32), deadline: '1718000060000', api_key: 'u:k', extra_field: 'yes' };
    const first = await proxy.post('/run', { value: { n: 1, snow: '❄ ☃ ❄' }, ...fields });
    expect(first).toEqual({
      status: 200,
      body: {
        params: { n: 1, snow: '❄ ☃ ❄' }, atLoad: 'xyz', another: '', obj: '{"a":1}', flag: 'true',
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

  it('flushes output without a trailing newline before the sentinel (the log buffer splits them)', async () => {
    const proxy = await startProxy();
    const code = "import sys\ndef main(a):\n    sys.stdout.write('no newline')\n    return {}\n";
    expect((await proxy.post('/init', init(code))).status).toBe(200);
    expect(await proxy.post('/run', { value: {} })).toEqual({ status: 200, body: {} });
    const deadline = Date.now() + 2000;
    while (proxy.stdout().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(proxy.stdout()).toEqual([`no newline${LOG_SENTINEL}`]);
    await proxy.stop();
  });

  it.each([
    ['main naming another function', 'def niam(p):\n    return {"got": p["x"]}\n', 'niam'],
    ['a dotted path into a class', 'class handlers:\n    @staticmethod\n    def hello(p):\n        return {"got": p["x"]}\n', 'handlers.hello'],
    ['an async main', 'import asyncio\nasync def main(p):\n    await asyncio.sleep(0.01)\n    return {"got": p["x"]}\n', 'main'],
    ["code guarded by __name__ == '__main__'", 'def main(p):\n    return {"got": p["x"]}\nif __name__ == "__main__":\n    raise SystemExit(3)\n', 'main'],
  ])('finds the entry point: %s', async (_label, code, main) => {
    const proxy = await startProxy();
    expect(await proxy.post('/init', init(code, { main }))).toEqual({ status: 200, body: { OK: true } });
    expect(await proxy.post('/run', { value: { x: 7 } })).toEqual({ status: 200, body: { got: 7 } });
    await proxy.stop();
  });

  it('reports a load failure with its traceback, writes the sentinels, and stays uninitialised', async () => {
    const proxy = await startProxy();
    const reply = await proxy.post('/init', init('def main(:\n'));
    expect(reply.status).toBe(502);
    expect((reply.body as { error: string }).error).toMatch(/^Initialization has failed due to: Traceback .*SyntaxError/s);
    await waitForSentinels(proxy, 1);
    expect(await proxy.post('/run', { value: {} })).toEqual({ status: 403, body: { error: 'System not initialized.' } });
    expect(await proxy.post('/init', init('def main(a): return a'))).toEqual({ status: 403, body: { error: 'Cannot initialize the action more than once.' } });
    await proxy.stop();
    const raising = await startProxy();
    const raised = await raising.post('/init', init("raise RuntimeError('no model file')\n"));
    expect((raised.body as { error: string }).error).toMatch(/^Initialization has failed due to: Traceback .*RuntimeError: no model file$/s);
    await raising.stop();
  });

  it('refuses an entry point that is not a function', async () => {
    const proxy = await startProxy();
    expect(await proxy.post('/init', init('main = 5\n'))).toEqual({ status: 502, body: { error: "Action entrypoint 'main' is not a function." } });
    await proxy.stop();
    const other = await startProxy();
    expect(await other.post('/init', init('def main(a): return a\n', { main: 'nope' }))).toEqual({ status: 502, body: { error: "Action entrypoint 'nope' is not a function." } });
    await other.stop();
  });

  it('maps every kind of result as the brief for python says', async () => {
    const proxy = await startProxy();
    const code = [
      'import sys',
      'def main(p):',
      "    mode = p.get('mode') if isinstance(p, dict) else 'list'",
      "    if mode == 'number': return 42",
      "    if mode == 'string': return 'hello'",
      "    if mode == 'none': return None",
      "    if mode == 'array': return [1, {'a': 2}]",
      "    if mode == 'list': return p",
      "    if mode == 'error': return {'error': 'chosen'}",
      "    if mode == 'raise': raise ValueError('boom')",
      "    if mode == 'exit': sys.exit(4)",
      "    if mode == 'set': return {'s': {1, 2}}",
      "    if mode == 'nan': return {'n': float('nan')}",
      '    return p',
      '',
    ].join('\n');
    expect((await proxy.post('/init', init(code))).status).toBe(200);
    const run = (value: unknown) => proxy.post('/run', { value });
    const notDict = { status: 502, body: { error: 'The action did not return a dictionary.' } };
    expect(await run({ mode: 'number' })).toEqual(notDict);
    expect(await run({ mode: 'string' })).toEqual(notDict);
    expect(await run({ mode: 'none' })).toEqual(notDict);
    expect(await run({ mode: 'array' })).toEqual({ status: 200, body: [1, { a: 2 }] });
    expect(await run([3, 4])).toEqual({ status: 200, body: [3, 4] });
    expect(await run({ mode: 'error' })).toEqual({ status: 200, body: { error: 'chosen' } });
    expect(await run({ mode: 'raise' })).toEqual({ status: 502, body: { error: 'An error has occurred: ValueError: boom' } });
    // sys.exit() in an action ends the activation, not the runtime.
    expect(await run({ mode: 'exit' })).toEqual({ status: 502, body: { error: 'An error has occurred: SystemExit: 4' } });
    expect((await run({ mode: 'set' })).body).toEqual({ error: expect.stringMatching(/^An error has occurred: TypeError: Object of type set/) });
    expect((await run({ mode: 'nan' })).status).toBe(502);
    expect(await run(null)).toEqual({ status: 200, body: {} });
    expect(await proxy.post('/run', { value: 'text' })).toEqual({ status: 403, body: { error: "Internal system error: the argument must be a dictionary but has type 'string'." } });
    expect(await proxy.post('/run', { value: 3 })).toEqual({ status: 403, body: { error: "Internal system error: the argument must be a dictionary but has type 'number'." } });
    const big = 'b'.repeat(1_500_000);
    expect(await run({ mode: 'echo', big })).toEqual({ status: 200, body: { mode: 'echo', big } });
    await waitForSentinels(proxy, 14);
    expect(proxy.stderr().some((l) => l.includes('ValueError: boom'))).toBe(true);
    await proxy.stop();
  });

  it('refuses a second run while one is in progress', async () => {
    const proxy = await startProxy();
    const code = 'import time\ndef main(p):\n    time.sleep(0.3)\n    return {"slow": p["n"]}\n';
    expect((await proxy.post('/init', init(code))).status).toBe(200);
    const first = proxy.post('/run', { value: { n: 1 } });
    await new Promise((r) => setTimeout(r, 80));
    expect(await proxy.post('/run', { value: { n: 2 } })).toEqual({ status: 403, body: { error: 'System not ready, status is running.' } });
    expect(await first).toEqual({ status: 200, body: { slow: 1 } });
    expect(await proxy.post('/run', { value: { n: 3 } })).toEqual({ status: 200, body: { slow: 3 } });
    await proxy.stop();
  });

  it('exits when its stdin closes, if asked to (a process container whose invoker died)', async () => {
    const port = await freePort();
    const child = spawn(PYTHON, [PYTHON_PROXY_FILE], {
      env: { PORT: String(port), WISP_RUNTIME_HOST: '127.0.0.1', WISP_RUNTIME_EXIT_WITH_STDIN: 'true' },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    running.add(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 300));
    expect(child.exitCode).toBeNull();
    child.stdin?.end();
    expect(await exited).toBe(0);
    running.delete(child);
  });

  it('names EADDRINUSE when its port is taken, so the process factory can retry another', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const child = spawn(PYTHON, [PYTHON_PROXY_FILE], { env: { PORT: String(port), WISP_RUNTIME_HOST: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    running.delete(child);
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    expect(code).toBe(1);
    expect(err).toContain('EADDRINUSE');
  });

  describe('zipped actions', () => {
    it('loads __main__.py with its own modules and files from its directory', async () => {
      const proxy = await startProxy();
      const files = {
        '__main__.py': 'from helper import greet\ndef main(p):\n    with open("data.txt") as f:\n        return {"msg": greet(p["name"]), "data": f.read()}\n',
        'helper.py': 'def greet(n):\n    return "hello " + n\n',
        'data.txt': 'payload',
      };
      expect(await proxy.post('/init', zipInit(files))).toEqual({ status: 200, body: { OK: true } });
      expect(await proxy.post('/run', { value: { name: 'zip' } })).toEqual({ status: 200, body: { msg: 'hello zip', data: 'payload' } });
      await proxy.stop();
    });

    it('adds a bundled virtualenv to the import path', async () => {
      const proxy = await startProxy();
      const files = {
        '__main__.py': 'import vendored\ndef main(p):\n    return {"v": vendored.VERSION}\n',
        'virtualenv/lib/python3.11/site-packages/vendored.py': 'VERSION = "1.2.3"\n',
      };
      expect(await proxy.post('/init', zipInit(files))).toEqual({ status: 200, body: { OK: true } });
      expect(await proxy.post('/run', { value: {} })).toEqual({ status: 200, body: { v: '1.2.3' } });
      await proxy.stop();
    });

    it('refuses an archive without __main__.py, content that is not a zip, and a corrupt zip', async () => {
      const proxy = await startProxy();
      expect(await proxy.post('/init', zipInit({ 'other.py': 'def main(p): return p\n' }))).toEqual({
        status: 502,
        body: { error: 'Zipped actions must contain __main__.py at the root.' },
      });
      await proxy.stop();
      const other = await startProxy();
      const notZip = { value: { name: 'z', main: 'main', binary: true, code: Buffer.from('just text').toString('base64') } };
      expect(await other.post('/init', notZip)).toEqual({ status: 502, body: { error: 'There was an error uncompressing the action archive. The file type is unsupported' } });
      await other.stop();
      const corrupt = await startProxy();
      const damaged = Buffer.from(createZip({ '__main__.py': `def main(p):\n    return ${JSON.stringify({ pad: 'p'.repeat(1000) })}\n` }));
      damaged.fill(0xff, 40, 48);
      const corruptInit = { value: { name: 'z', main: 'main', binary: true, code: damaged.toString('base64') } };
      expect(await corrupt.post('/init', corruptInit)).toEqual({ status: 502, body: { error: 'There was an error uncompressing the action archive.' } });
      await corrupt.stop();
    });
  });
});
