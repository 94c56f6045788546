import { describeActionRuntimeContract } from '../../test/contracts/action-runtime.contract';
import {
  initBody as init,
  runtimeProxyStarter,
  stopAllRuntimeProxies,
  waitForSentinels,
  zipInitBody as zipInit,
  type RuntimeProxyStarter,
} from '../../test/harness/runtime-proxy';
import { bundleRuntime } from '../runtime-bundle';

// The proxy as it really runs: the esbuild bundle started with `node`, spoken to over HTTP. The
// protocol every runtime shares is the contract's; node's own cases (exports styles, promises,
// rejections as results, npm-style zips) are below.

let start: RuntimeProxyStarter;
const startProxy: RuntimeProxyStarter = (env, options) => start(env, options);

beforeAll(async () => {
  start = runtimeProxyStarter({ command: process.execPath, args: [(await bundleRuntime('nodejs')).file] });
});

afterAll(stopAllRuntimeProxies);

// Returns by `mode`; the contract's result cases and node's own below share it.
const RESULTS = `
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

describeActionRuntimeContract('nodejs', startProxy, {
  anyMain: 'function main() {}',
  returnsEmpty: 'function main() { return {}; }',
  envReadout: `
    const atLoad = process.env.SOME_VAR;
    function main(params) {
      console.log('out', params.n);
      console.error('err', params.n);
      return { params, atLoad, another: process.env.ANOTHER_VAR, obj: process.env.OBJ, flag: process.env.FLAG,
        ns: process.env.__OW_NAMESPACE, id: process.env.__OW_ACTIVATION_ID, deadline: process.env.__OW_DEADLINE,
        key: process.env.__OW_API_KEY, name: process.env.__OW_ACTION_NAME, extra: process.env.__OW_EXTRA_FIELD };
    }`,
  envVar: 'function main(p) { return { value: process.env[p.name] ?? null }; }',
  entryPoints: [
    ['module.exports.main', 'module.exports.main = (p) => ({ got: p.x });', 'main'],
    ['exports.main', 'exports.main = function (p) { return { got: p.x }; };', 'main'],
    ['module.exports = fn', 'module.exports = (p) => ({ got: p.x });', 'main'],
    ['a const arrow', 'const main = (p) => ({ got: p.x });', 'main'],
    ['main naming another export', 'exports.other = (p) => ({ got: p.x }); exports.main = () => ({ got: "wrong" });', 'other'],
    ['main naming another declared function', 'function niam(p) { return { got: p.x }; }', 'niam'],
    ['a dotted path into the exports', 'exports.handlers = { hello: (p) => ({ got: p.x }) };', 'handlers.hello'],
  ],
  syntaxError: { code: 'function main( {', error: /^Initialization has failed due to: .*SyntaxError/s },
  throwsAtLoad: { code: 'throw new Error("no model file"); function main() {}', error: /^Initialization has failed due to: Error: no model file\n\s+at / },
  mainNotAFunction: 'const main = 5;',
  results: RESULTS,
  throws: { code: 'function main() { throw new Error("boom"); }', error: 'An error has occurred: Error: boom', stderr: 'Error: boom' },
  slow: 'function main(p) { return new Promise((r) => setTimeout(() => r({ slow: p.n }), 300)); }',
  zip: {
    withoutEntry: { 'other.js': 'exports.main = () => ({})' },
    withoutEntryError: 'Zipped actions must contain either package.json or index.js at the root.',
    padded: (pad) => ({ 'index.js': `exports.main = () => (${JSON.stringify({ pad })});` }),
  },
});

describe('nodejs runtime proxy', () => {
  it('finds the entry point in code that requires a built-in', async () => {
    const proxy = await startProxy();
    const code = 'const os = require("os"); exports.main = (p) => ({ got: p.x, os: typeof os.hostname });';
    expect(await proxy.post('/init', init(code))).toEqual({ status: 200, body: { OK: true } });
    expect(await proxy.post('/run', { value: { x: 7 } })).toEqual({ status: 200, body: { got: 7, os: 'function' } });
    await proxy.stop();
  });

  it('maps every kind of result as OpenWhisk does', async () => {
    const proxy = await startProxy();
    expect((await proxy.post('/init', init(RESULTS))).status).toBe(200);
    const run = (value: unknown) => proxy.post('/run', { value });
    expect(await run({ mode: 'null' })).toEqual({ status: 502, body: { error: 'The action did not return a dictionary.' } });
    expect(await run({ mode: 'undefined' })).toEqual({ status: 200, body: {} });
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
    await proxy.stop();

    const sync = await startProxy();
    expect((await sync.post('/init', init(RESULTS, { main: 'sync' }))).status).toBe(200);
    expect(await sync.post('/run', { value: { throw: 'error' } })).toEqual({ status: 502, body: { error: 'An error has occurred: Error: boom' } });
    expect(await sync.post('/run', { value: {} })).toEqual({ status: 502, body: { error: 'An error has occurred: plain' } });
    await waitForSentinels(sync, 2);
    expect(sync.stderr().some((l) => l.includes('Error: boom'))).toBe(true);
    await sync.stop();
  });

  describe('zipped actions', () => {
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
  });
});
