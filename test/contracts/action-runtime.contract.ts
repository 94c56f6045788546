// The action runtime contract, after OpenWhisk's BasicActionRunnerTests: the black-box /init and
// /run protocol every language's proxy answers the same way. Each runtime's test calls this with
// the code that does each job in its language, and keeps its language's own cases beside it.

import { connect } from 'node:net';
import { LOG_SENTINEL, PROXY_TOKEN_ENV, PROXY_TOKEN_HEADER } from '../../common/protocol/runtime-protocol';
import { createZip } from '../harness/create-zip';
import { initBody as init, stopAllRuntimeProxies, waitForSentinels, zipInitBody, type RuntimeProxyStarter } from '../harness/runtime-proxy';

const CENTRAL_HEADER = Buffer.from([0x50, 0x4b, 0x01, 0x02]);

export interface ActionRuntimeSnippets {
  /** Any valid action: a `main` the proxy accepts at /init, whatever it returns. */
  readonly anyMain: string;
  /** A `main` returning an empty dictionary. */
  readonly returnsEmpty: string;
  /**
   * Reads SOME_VAR at load into `atLoad`; `main` prints `out <n>` to stdout and `err <n>` to stderr
   * and returns { params, atLoad, another: ANOTHER_VAR, obj: OBJ, flag: FLAG, ns: __OW_NAMESPACE,
   * id: __OW_ACTIVATION_ID, deadline: __OW_DEADLINE, key: __OW_API_KEY, name: __OW_ACTION_NAME,
   * extra: __OW_EXTRA_FIELD } as read from the environment when it runs.
   */
  readonly envReadout: string;
  /** A `main` returning { value: <the environment variable named params.name, or null> }. */
  readonly envVar: string;
  /** Entry points the language can name: [label, code, main]; each must return { got: params.x } and nothing else. */
  readonly entryPoints: readonly (readonly [string, string, string])[];
  /** Code that does not compile, and the /init error it gets. */
  readonly syntaxError: { readonly code: string; readonly error: RegExp };
  /** Code that raises `no model file` while loading, and the /init error it gets. */
  readonly throwsAtLoad: { readonly code: string; readonly error: RegExp };
  /** Code where `main` is a number. */
  readonly mainNotAFunction: string;
  /** `main` by params.mode: 'number' → 42, 'string' → 'hello', 'array' → [1, { a: 2 }], 'echo' → params; {} for {}. */
  readonly results: string;
  /** A `main` that throws `boom`: the /run error and what the traceback on stderr contains. */
  readonly throws: { readonly code: string; readonly error: string; readonly stderr: string };
  /** `main` answering { slow: params.n } after 300 ms. */
  readonly slow: string;
  readonly zip: {
    /** An archive without the file the language loads first, and the /init error it gets. */
    readonly withoutEntry: Record<string, string>;
    readonly withoutEntryError: string;
    /** A valid archive whose entry holds `padding` (so bytes 40..48 lie inside its first entry). */
    readonly padded: (padding: string) => Record<string, string>;
  };
}

const NOT_A_DICTIONARY = { status: 502, body: { error: 'The action did not return a dictionary.' } };
const WRONG_TOKEN = { status: 403, body: { error: 'Missing or wrong proxy token.' } };
const INIT_TWICE = { status: 403, body: { error: 'Cannot initialize the action more than once.' } };

/** Sends the head of a POST declaring a large body, and none of the body: resolves with what came back once the proxy closes. */
function postHeadOnly(url: string, headers: Record<string, string>, withinMs: number): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the proxy kept the connection open past ${withinMs} ms; it answered: ${JSON.stringify(received)}`));
    }, withinMs);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('error', () => undefined); // a reset after the answer still ends the connection
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    const head = Object.entries({ host: `${hostname}:${port}`, 'content-type': 'application/json', 'content-length': String(50_000_000), ...headers })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`POST /init HTTP/1.1\r\n${head}\r\n`);
  });
}

export function describeActionRuntimeContract(name: string, startRuntime: RuntimeProxyStarter, snippets: ActionRuntimeSnippets): void {
  describe(`action runtime contract: ${name}`, () => {
    afterAll(stopAllRuntimeProxies);

    it('refuses /init without code or main, and /run before init', async () => {
      const proxy = await startRuntime();
      expect(await proxy.post('/init', { value: {} })).toEqual({ status: 403, body: { error: 'Missing main/no code to execute.' } });
      expect(await proxy.post('/init', init(''))).toEqual({ status: 403, body: { error: 'Missing main/no code to execute.' } });
      expect(await proxy.post('/init', { value: { code: snippets.anyMain, main: '' } })).toMatchObject({ status: 403 });
      expect(await proxy.post('/run', { value: {} })).toEqual({ status: 403, body: { error: 'System not initialized.' } });
      // Still initialisable after those refusals.
      expect(await proxy.post('/init', init(snippets.returnsEmpty))).toEqual({ status: 200, body: { OK: true } });
      await proxy.stop();
    });

    it('answers 500 Bad request for bad JSON and unknown routes', async () => {
      const proxy = await startRuntime();
      const bad = { status: 500, body: { error: 'Bad request.' } };
      expect(await proxy.post('/init', undefined, '{not json')).toEqual(bad);
      expect(await proxy.post('/other', {})).toEqual(bad);
      expect(await proxy.request('GET', '/run', '')).toEqual(bad);
      await proxy.stop();
    });

    it('runs main with params, __OW_ fields and init env; one sentinel per stream per run', async () => {
      const proxy = await startRuntime();
      const env = { SOME_VAR: 'xyz', ANOTHER_VAR: '', OBJ: { a: 1 }, FLAG: true };
      expect(await proxy.post('/init', init(snippets.envReadout, { env }))).toEqual({ status: 200, body: { OK: true } });
      const fields = { namespace: 'guest', action_name: '/guest/a', activation_id: 'a'.repeat(32), deadline: '1718000060000', api_key: 'u:k', extra_field: 'yes' };
      const first = await proxy.post('/run', { value: { n: 1, snow: '❄ ☃ ❄' }, ...fields });
      expect(first).toEqual({
        status: 200,
        body: {
          params: { n: 1, snow: '❄ ☃ ❄' }, atLoad: 'xyz', another: '', obj: '{"a":1}', flag: 'true',
          ns: 'guest', id: 'a'.repeat(32), deadline: '1718000060000', key: 'u:k', name: '/guest/a', extra: 'yes',
        },
      });
      // A field this run lacks, or has as a non-string, is gone: the previous caller's key never reaches the next run.
      const second = await proxy.post('/run', { value: { n: 2 }, namespace: 'other', deadline: 42 });
      expect(second.body).toMatchObject({ ns: 'other', params: { n: 2 } });
      const leftovers = second.body as Record<string, unknown>;
      for (const name of ['key', 'deadline', 'id', 'extra'] as const) expect(leftovers[name] ?? null).toBeNull();
      await waitForSentinels(proxy, 2);
      expect(proxy.stdout()).toEqual(['out 1', LOG_SENTINEL, 'out 2', LOG_SENTINEL]);
      expect(proxy.stderr()).toEqual(['err 1', LOG_SENTINEL, 'err 2', LOG_SENTINEL]);
      expect(await proxy.post('/init', init(snippets.envReadout))).toEqual({ status: 403, body: { error: 'Cannot initialize the action more than once.' } });
      await proxy.stop();
    });

    it('accepts /init once: a second /init is refused and the first code keeps running', async () => {
      const proxy = await startRuntime();
      expect(await proxy.post('/init', init(snippets.envVar))).toEqual({ status: 200, body: { OK: true } });
      expect(await proxy.post('/init', init(snippets.returnsEmpty))).toEqual(INIT_TWICE);
      expect(await proxy.post('/init', init(snippets.returnsEmpty, { env: { SOME_VAR: 'second' } }))).toEqual(INIT_TWICE);
      expect(await proxy.post('/run', { value: { name: 'SOME_VAR' } })).toEqual({ status: 200, body: { value: null } });
      await proxy.stop();
    });

    it("never lets an __OW_ value from /init or an earlier /run reach a later /run that lacks it", async () => {
      const proxy = await startRuntime();
      // The invoker's /init carries the first activation's context, its caller's key too.
      const env = { SOME_VAR: 'init parameter', __OW_API_KEY: 'init:key', __OW_ACTIVATION_ID: 'i'.repeat(32), __OW_NAMESPACE: 'first' };
      expect(await proxy.post('/init', init(snippets.envVar, { env }))).toEqual({ status: 200, body: { OK: true } });
      const read = async (name: string, fields: Record<string, unknown> = {}) => {
        const reply = await proxy.post('/run', { value: { name }, ...fields });
        expect(reply.status).toBe(200);
        return (reply.body as { value: unknown }).value;
      };
      // A run without an api_key: the key /init exported is gone, and so is the activation id.
      expect(await read('__OW_API_KEY', { namespace: 'second' })).toBeNull();
      expect(await read('__OW_ACTIVATION_ID', { namespace: 'second' })).toBeNull();
      expect(await read('__OW_NAMESPACE', { namespace: 'second' })).toBe('second');
      // An init parameter is the action's own and stays.
      expect(await read('SOME_VAR')).toBe('init parameter');
      // One run's key never reaches the next run, which has none.
      expect(await read('__OW_API_KEY', { api_key: 'run:key' })).toBe('run:key');
      expect(await read('__OW_API_KEY')).toBeNull();
      expect(await read('__OW_NAMESPACE')).toBeNull();
      await proxy.stop();
    });

    describe('with a proxy token in its environment', () => {
      const token = 'contract-token-0123456789';
      const withToken = { [PROXY_TOKEN_HEADER]: token };

      it('refuses /init, /run and every other request without the token, running nothing; serves the token holder', async () => {
        const proxy = await startRuntime({ [PROXY_TOKEN_ENV]: token });
        const initAsk = init(snippets.envVar);
        expect(await proxy.post('/init', initAsk)).toEqual(WRONG_TOKEN);
        expect(await proxy.post('/init', initAsk, undefined, { [PROXY_TOKEN_HEADER]: 'guess' })).toEqual(WRONG_TOKEN);
        expect(await proxy.post('/init', initAsk, undefined, { [PROXY_TOKEN_HEADER]: `${token}x` })).toEqual(WRONG_TOKEN);
        expect(await proxy.post('/init', initAsk, undefined, { [PROXY_TOKEN_HEADER]: '' })).toEqual(WRONG_TOKEN);
        expect(await proxy.post('/run', { value: { name: 'PATH' } })).toEqual(WRONG_TOKEN);
        expect(await proxy.post('/other', {})).toEqual(WRONG_TOKEN);
        expect(await proxy.request('GET', '/run', '')).toEqual(WRONG_TOKEN);
        // None of those initialised it: the token holder's /init is the first.
        expect(await proxy.post('/init', initAsk, undefined, withToken)).toEqual({ status: 200, body: { OK: true } });
        expect(await proxy.post('/run', { value: { name: 'SOME_VAR' } })).toEqual(WRONG_TOKEN);
        expect(await proxy.post('/init', init(snippets.returnsEmpty))).toEqual(WRONG_TOKEN);
        // The action cannot read the token from its environment.
        expect(await proxy.post('/run', { value: { name: PROXY_TOKEN_ENV } }, undefined, withToken)).toEqual({ status: 200, body: { value: null } });
        expect(await proxy.post('/init', init(snippets.returnsEmpty), undefined, withToken)).toEqual(INIT_TWICE);
        expect(await proxy.post('/other', {}, undefined, withToken)).toEqual({ status: 500, body: { error: 'Bad request.' } });
        // Exactly one run happened: the refused one wrote no sentinel.
        await waitForSentinels(proxy, 1);
        await proxy.stop();
      });

      it('answers a request without the token at once and closes its connection, without reading its body', async () => {
        const proxy = await startRuntime({ [PROXY_TOKEN_ENV]: token });
        const answer = await postHeadOnly(proxy.url, {}, 5000);
        expect(answer).toMatch(/^HTTP\/1\.1 403 /);
        expect(answer).toMatch(/\r\nconnection: close\r\n/i);
        expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual(WRONG_TOKEN.body);
        // The proxy is still there for its invoker.
        expect(await proxy.post('/init', init(snippets.returnsEmpty), undefined, withToken)).toEqual({ status: 200, body: { OK: true } });
        await proxy.stop();
      });
    });

    it.each(snippets.entryPoints.map((entry) => [...entry]))('finds the entry point: %s', async (_label, code, main) => {
      const proxy = await startRuntime();
      expect(await proxy.post('/init', init(code, { main }))).toEqual({ status: 200, body: { OK: true } });
      expect(await proxy.post('/run', { value: { x: 7 } })).toEqual({ status: 200, body: { got: 7 } });
      await proxy.stop();
    });

    it('reports a load failure with its stack, writes the sentinels, and stays uninitialised', async () => {
      const proxy = await startRuntime();
      const reply = await proxy.post('/init', init(snippets.syntaxError.code));
      expect(reply.status).toBe(502);
      expect((reply.body as { error: string }).error).toMatch(snippets.syntaxError.error);
      await waitForSentinels(proxy, 1);
      expect(await proxy.post('/run', { value: {} })).toEqual({ status: 403, body: { error: 'System not initialized.' } });
      expect(await proxy.post('/init', init(snippets.anyMain))).toEqual({ status: 403, body: { error: 'Cannot initialize the action more than once.' } });
      await proxy.stop();
    });

    it('reports an error thrown while loading', async () => {
      const proxy = await startRuntime();
      const reply = await proxy.post('/init', init(snippets.throwsAtLoad.code));
      expect(reply.status).toBe(502);
      expect((reply.body as { error: string }).error).toMatch(snippets.throwsAtLoad.error);
      await proxy.stop();
    });

    it('refuses an entry point that is not a function', async () => {
      const proxy = await startRuntime();
      expect(await proxy.post('/init', init(snippets.mainNotAFunction))).toEqual({ status: 502, body: { error: "Action entrypoint 'main' is not a function." } });
      await proxy.stop();
      const other = await startRuntime();
      expect(await other.post('/init', init(snippets.anyMain, { main: 'nope' }))).toEqual({
        status: 502,
        body: { error: "Action entrypoint 'nope' is not a function." },
      });
      await other.stop();
    });

    it('answers a dictionary or an array, refuses other results and arguments that are not dictionaries', async () => {
      const proxy = await startRuntime();
      expect((await proxy.post('/init', init(snippets.results))).status).toBe(200);
      const run = (value: unknown) => proxy.post('/run', { value });
      expect(await run({ mode: 'number' })).toEqual(NOT_A_DICTIONARY);
      expect(await run({ mode: 'string' })).toEqual(NOT_A_DICTIONARY);
      expect(await run({ mode: 'array' })).toEqual({ status: 200, body: [1, { a: 2 }] });
      expect(await run(null)).toEqual({ status: 200, body: {} }); // null params are {}
      expect(await proxy.post('/run', { value: 'text' })).toEqual({
        status: 403,
        body: { error: "Internal system error: the argument must be a dictionary but has type 'string'." },
      });
      expect(await proxy.post('/run', { value: 3 })).toEqual({
        status: 403,
        body: { error: "Internal system error: the argument must be a dictionary but has type 'number'." },
      });
      const big = 'b'.repeat(1_500_000);
      expect(await run({ mode: 'echo', big })).toEqual({ status: 200, body: { mode: 'echo', big } });
      // Every /run ends both streams with a sentinel, a refused argument's included.
      await waitForSentinels(proxy, 7);
      await proxy.stop();
    });

    it('answers 502 with the error when main throws, and writes the traceback to stderr', async () => {
      const proxy = await startRuntime();
      expect((await proxy.post('/init', init(snippets.throws.code))).status).toBe(200);
      expect(await proxy.post('/run', { value: {} })).toEqual({ status: 502, body: { error: snippets.throws.error } });
      await waitForSentinels(proxy, 1);
      expect(proxy.stderr().some((l) => l.includes(snippets.throws.stderr))).toBe(true);
      // The runtime survives its action's exception.
      expect(await proxy.post('/run', { value: {} })).toEqual({ status: 502, body: { error: snippets.throws.error } });
      await proxy.stop();
    });

    it('refuses a second run while one is in progress', async () => {
      const proxy = await startRuntime();
      expect((await proxy.post('/init', init(snippets.slow))).status).toBe(200);
      const first = proxy.post('/run', { value: { n: 1 } });
      await new Promise((r) => setTimeout(r, 80));
      expect(await proxy.post('/run', { value: { n: 2 } })).toEqual({ status: 403, body: { error: 'System not ready, status is running.' } });
      expect(await first).toEqual({ status: 200, body: { slow: 1 } });
      expect(await proxy.post('/run', { value: { n: 3 } })).toEqual({ status: 200, body: { slow: 3 } });
      await proxy.stop();
    });

    it('exits when its stdin closes, if asked to (a process container whose invoker died)', async () => {
      const proxy = await startRuntime({ WISP_RUNTIME_EXIT_WITH_STDIN: 'true' }, { stdin: 'pipe' });
      let exitCode: number | null | 'running' = 'running';
      void proxy.exited.then((code) => (exitCode = code));
      await new Promise((r) => setTimeout(r, 300));
      expect(exitCode).toBe('running');
      proxy.closeStdin();
      expect(await proxy.exited).toBe(0);
    });

    describe('zipped actions', () => {
      it('refuses an archive without its entry, content that is not a zip, and a corrupt zip', async () => {
        const proxy = await startRuntime();
        expect(await proxy.post('/init', zipInitBody(snippets.zip.withoutEntry))).toEqual({ status: 502, body: { error: snippets.zip.withoutEntryError } });
        await proxy.stop();
        const other = await startRuntime();
        const notZip = { value: { name: 'z', main: 'main', binary: true, code: Buffer.from('just text').toString('base64') } };
        expect(await other.post('/init', notZip)).toEqual({
          status: 502,
          body: { error: 'There was an error uncompressing the action archive. The file type is unsupported' },
        });
        await other.stop();
        const corrupt = await startRuntime();
        const damaged = Buffer.from(createZip(snippets.zip.padded('p'.repeat(1000))));
        damaged.fill(0xff, 40, 48);
        const corruptInit = { value: { name: 'z', main: 'main', binary: true, code: damaged.toString('base64') } };
        expect(await corrupt.post('/init', corruptInit)).toEqual({ status: 502, body: { error: 'There was an error uncompressing the action archive.' } });
        await corrupt.stop();
      });

      it('refuses an archive that declares more than the inflated-size cap, before inflating it', async () => {
        const proxy = await startRuntime();
        const zip = createZip(snippets.zip.padded('p'));
        zip.writeUInt32LE(0xf0000000, zip.indexOf(CENTRAL_HEADER) + 24); // 3.75 GiB, past every runtime's cap
        const oversize = { value: { name: 'z', main: 'main', binary: true, code: zip.toString('base64') } };
        expect(await proxy.post('/init', oversize)).toEqual({ status: 502, body: { error: 'There was an error uncompressing the action archive.' } });
        await proxy.stop();
      });
    });
  });
}
