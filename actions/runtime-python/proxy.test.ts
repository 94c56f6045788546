import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { LOG_SENTINEL } from '../../common/protocol/runtime-protocol';
import { describeActionRuntimeContract } from '../../test/contracts/action-runtime.contract';
import {
  initBody as init,
  runtimeProxyStarter,
  stopAllRuntimeProxies,
  waitForSentinels,
  zipInitBody as zipInit,
} from '../../test/harness/runtime-proxy';
import { PYTHON_PROXY_FILE } from './proxy-file';

// The python proxy as it really runs: proxy.py under the host's python3, spoken to over HTTP.
// The protocol every runtime shares is the contract's; python's own cases (__main__.py zips, None
// is not a dictionary, exceptions and sys.exit are 502, unbuffered output) are below.

// The interpreter's own path, so the proxies start with an environment holding nothing else.
const PYTHON = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
const startProxy = runtimeProxyStarter({ command: PYTHON, args: [PYTHON_PROXY_FILE, '--wisp-label=test=1'] });

afterAll(stopAllRuntimeProxies);

// Returns by `mode`; the contract's result cases and python's own below share it.
const RESULTS = [
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

describeActionRuntimeContract('python', startProxy, {
  anyMain: 'def main(a): return a\n',
  returnsEmpty: 'def main(args):\n    return {}\n',
  envReadout: [
    'import os, sys',
    "AT_LOAD = os.environ.get('SOME_VAR')",
    'def main(params):',
    "    print('out', params['n'])",
    "    print('err', params['n'], file=sys.stderr)",
    '    e = os.environ',
    "    return {'params': params, 'atLoad': AT_LOAD, 'another': e.get('ANOTHER_VAR'), 'obj': e.get('OBJ'), 'flag': e.get('FLAG'),",
    "            'ns': e.get('__OW_NAMESPACE'), 'id': e.get('__OW_ACTIVATION_ID'), 'deadline': e.get('__OW_DEADLINE'),",
    "            'key': e.get('__OW_API_KEY'), 'name': e.get('__OW_ACTION_NAME'), 'extra': e.get('__OW_EXTRA_FIELD')}",
    '',
  ].join('\n'),
  envVar: "import os\ndef main(p):\n    return {'value': os.environ.get(p['name'])}\n",
  entryPoints: [
    ['main naming another function', 'def niam(p):\n    return {"got": p["x"]}\n', 'niam'],
    ['a dotted path into a class', 'class handlers:\n    @staticmethod\n    def hello(p):\n        return {"got": p["x"]}\n', 'handlers.hello'],
    ['an async main', 'import asyncio\nasync def main(p):\n    await asyncio.sleep(0.01)\n    return {"got": p["x"]}\n', 'main'],
    ["code guarded by __name__ == '__main__'", 'def main(p):\n    return {"got": p["x"]}\nif __name__ == "__main__":\n    raise SystemExit(3)\n', 'main'],
  ],
  syntaxError: { code: 'def main(:\n', error: /^Initialization has failed due to: Traceback .*SyntaxError/s },
  throwsAtLoad: { code: "raise RuntimeError('no model file')\n", error: /^Initialization has failed due to: Traceback .*RuntimeError: no model file$/s },
  mainNotAFunction: 'main = 5\n',
  results: RESULTS,
  throws: { code: "def main(p):\n    raise ValueError('boom')\n", error: 'An error has occurred: ValueError: boom', stderr: 'ValueError: boom' },
  slow: 'import time\ndef main(p):\n    time.sleep(0.3)\n    return {"slow": p["n"]}\n',
  zip: {
    withoutEntry: { 'other.py': 'def main(p): return p\n' },
    withoutEntryError: 'Zipped actions must contain __main__.py at the root.',
    padded: (pad) => ({ '__main__.py': `def main(p):\n    return ${JSON.stringify({ pad })}\n` }),
  },
});

describe('python runtime proxy', () => {
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

  it('maps every kind of result as the brief for python says', async () => {
    const proxy = await startProxy();
    expect((await proxy.post('/init', init(RESULTS))).status).toBe(200);
    const run = (value: unknown) => proxy.post('/run', { value });
    expect(await run({ mode: 'none' })).toEqual({ status: 502, body: { error: 'The action did not return a dictionary.' } });
    expect(await run([3, 4])).toEqual({ status: 200, body: [3, 4] });
    expect(await run({ mode: 'error' })).toEqual({ status: 200, body: { error: 'chosen' } });
    expect(await run({ mode: 'raise' })).toEqual({ status: 502, body: { error: 'An error has occurred: ValueError: boom' } });
    // sys.exit() in an action ends the activation, not the runtime.
    expect(await run({ mode: 'exit' })).toEqual({ status: 502, body: { error: 'An error has occurred: SystemExit: 4' } });
    expect((await run({ mode: 'set' })).body).toEqual({ error: expect.stringMatching(/^An error has occurred: TypeError: Object of type set/) });
    expect((await run({ mode: 'nan' })).status).toBe(502);
    expect(await run(null)).toEqual({ status: 200, body: {} });
    await waitForSentinels(proxy, 8);
    expect(proxy.stderr().some((l) => l.includes('ValueError: boom'))).toBe(true);
    await proxy.stop();
  });

  it('names EADDRINUSE when its port is taken, so the process factory can retry another', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const child = spawn(PYTHON, [PYTHON_PROXY_FILE], { env: { PORT: String(port), WISP_RUNTIME_HOST: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
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
  });
});
