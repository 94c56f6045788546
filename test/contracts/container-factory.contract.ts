import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { createNaming, type Naming } from '../../common/naming';
import { PROXY_TOKEN_ENV, PROXY_TOKEN_HEADER } from '../../common/protocol/runtime-protocol';
import type {
  Container,
  ContainerFactory,
  ContainerFactoryCapabilities,
  ContainerSpec,
  LogLine,
} from '../../common/spi/container-factory';

// One behaviour for every ContainerFactory adapter, driven through the action protocol over
// plain HTTP. What only some adapters can do (enforce memory, report OOM, pause) is tested
// only where the adapter declares it, and the declaration itself is checked.

export interface ContainerFactoryContractOptions {
  /** What spec.image carries (the process factory ignores it). */
  readonly image: string;
  /** Containers labelled for this prefix and invoker id that still exist, counted from outside the factory. */
  readonly countOwned: (naming: Naming, invokerId: string) => Promise<number>;
  /** Runs after the suite, once every factory is closed (e.g. removes the network). */
  readonly cleanup?: (naming: Naming) => Promise<void>;
  /** The python runtime's image, for adapters that run the python family (absent: not tested). */
  readonly pythonImage?: string;
}

export type MakeContainerFactory = (config: { readonly invokerId: string; readonly naming: Naming }) => ContainerFactory;

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

const TEST_TIMEOUT_MS = 60_000;
const SENTINEL_WAIT = { waitForSentinel: true, timeoutMs: 5000 } as const;
const RFC3339_NANOS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;

export function describeContainerFactoryContract(
  name: string,
  makeFactory: MakeContainerFactory,
  capabilities: ContainerFactoryCapabilities,
  options: ContainerFactoryContractOptions,
): void {
  describe(`ContainerFactory contract: ${name}`, () => {
    const naming = createNaming(`wisp-test-${randomBytes(4).toString('hex')}`);
    const factories: ContainerFactory[] = [];
    let counter = 0;
    let factory: ContainerFactory;

    const make = (invokerId: string) => {
      const made = makeFactory({ invokerId, naming });
      factories.push(made);
      return made;
    };
    const spec = (invokerId: string, overrides: Partial<ContainerSpec> = {}): ContainerSpec => {
      counter += 1;
      return {
        name: naming.containerName(invokerId, `c${counter}`),
        family: 'nodejs',
        image: options.image,
        memoryMb: 256,
        env: { __OW_API_HOST: 'http://api.example:3233' },
        ...overrides,
      };
    };
    const started = async (code: string, overrides: Partial<ContainerSpec> = {}) => {
      const container = await factory.create(spec('invoker0', overrides));
      const init = await post(container, '/init', { value: { name: 'contract', main: 'main', binary: false, code } });
      expect(init).toEqual({ status: 200, body: { OK: true } });
      return container;
    };

    beforeAll(async () => {
      factory = make('invoker0');
      await factory.init();
    }, TEST_TIMEOUT_MS);

    afterAll(async () => {
      for (const made of factories) await made.close();
      await options.cleanup?.(naming);
    }, TEST_TIMEOUT_MS);

    it('declares the capabilities it is described with', () => {
      expect(factory.capabilities).toEqual(capabilities);
    });

    it(
      'creates a runtime that answers /init and /run with the spec environment',
      async () => {
        const wanted = spec('invoker0');
        const container = await factory.create(wanted);
        expect(container.name).toBe(wanted.name);
        expect(container.id).not.toBe('');
        expect(container.baseUrl).toMatch(/^http:\/\/[\d.]+:\d+$/);
        const code = 'function main(p) { return { echo: p, api: process.env.__OW_API_HOST, id: process.env.__OW_ACTIVATION_ID }; }';
        expect(await post(container, '/init', { value: { name: 'c', main: 'main', binary: false, code } })).toEqual({
          status: 200,
          body: { OK: true },
        });
        const id = randomBytes(16).toString('hex');
        expect(await post(container, '/run', { value: { n: 1 }, activation_id: id })).toEqual({
          status: 200,
          body: { echo: { n: 1 }, api: 'http://api.example:3233', id },
        });
        expect(await container.status()).toEqual({ running: true, oomKilled: false });
        await container.destroy();
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'gives each container its own proxy token, which its runtime wants and its action cannot read',
      async () => {
        const first = await factory.create(spec('invoker0'));
        // A spec cannot choose the token: the factory's own wins.
        const second = await factory.create(spec('invoker0', { env: { [PROXY_TOKEN_ENV]: 'chosen-by-the-spec' } }));
        expect(first.proxyToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(second.proxyToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(second.proxyToken).not.toBe(first.proxyToken);
        const code = `function main() { return { token: process.env.${PROXY_TOKEN_ENV} ?? null }; }`;
        const initBody = { value: { name: 't', main: 'main', binary: false, code } };
        const refused = { status: 403, body: { error: 'Missing or wrong proxy token.' } };
        expect(await post(first, '/init', initBody, 10_000, null)).toEqual(refused);
        expect(await post(first, '/init', initBody, 10_000, second.proxyToken)).toEqual(refused);
        expect(await post(second, '/init', initBody, 10_000, 'chosen-by-the-spec')).toEqual(refused);
        for (const container of [first, second]) {
          expect(await post(container, '/init', initBody)).toEqual({ status: 200, body: { OK: true } });
          expect(await post(container, '/run', { value: {} }, 10_000, null)).toEqual(refused);
          expect(await post(container, '/run', { value: {} })).toEqual({ status: 200, body: { token: null } });
        }
        await first.destroy();
        await second.destroy();
      },
      TEST_TIMEOUT_MS,
    );

    (options.pythonImage ? it : it.skip)(
      'runs the python runtime the same way: /init, /run with the spec environment, logs up to the sentinels',
      async () => {
        const container = await factory.create(spec('invoker0', { family: 'python', image: options.pythonImage ?? '' }));
        const code = 'import os\nprint("loading")\ndef main(p):\n    print("out", p["n"])\n    return {"echo": p, "api": os.environ.get("__OW_API_HOST"), "id": os.environ.get("__OW_ACTIVATION_ID")}\n';
        expect(await post(container, '/init', { value: { name: 'py', main: 'main', binary: false, code } })).toEqual({ status: 200, body: { OK: true } });
        const id = randomBytes(16).toString('hex');
        expect(await post(container, '/run', { value: { n: 1, snow: '❄ ☃ ❄' }, activation_id: id })).toEqual({
          status: 200,
          body: { echo: { n: 1, snow: '❄ ☃ ❄' }, api: 'http://api.example:3233', id },
        });
        const logs = await container.collectLogs({ ...SENTINEL_WAIT, limitBytes: 10_000 });
        expect(streamTexts(logs.lines, 'stdout')).toEqual(['stdout:loading', 'stdout:out 1']);
        expect(logs).toMatchObject({ truncated: false, complete: true });
        await container.destroy();
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "collects each activation's logs up to the sentinels, attributed to their streams",
      async () => {
        const container = await started(`
          console.log('loading');
          function main(p) { console.log('out ' + p.n); console.error('err ' + p.n); console.log('❄ ☃ ❄'); return {}; }`);
        for (const n of [1, 2]) {
          expect((await post(container, '/run', { value: { n } })).status).toBe(200);
          const logs = await container.collectLogs({ ...SENTINEL_WAIT, limitBytes: 10_000 });
          const expected = [...(n === 1 ? ['stdout:loading'] : []), `stdout:out ${n}`, 'stdout:❄ ☃ ❄'];
          expect(streamTexts(logs.lines, 'stdout')).toEqual(expected);
          expect(streamTexts(logs.lines, 'stderr')).toEqual([`stderr:err ${n}`]);
          expect(logs).toMatchObject({ truncated: false, complete: true });
          for (const line of logs.lines) expect(line.time).toMatch(RFC3339_NANOS);
        }
        await container.destroy();
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'truncates logs over the limit, and the next activation is collected clean',
      async () => {
        const container = await started(`
          function main(p) { if (p.flood) { for (let i = 0; i < 500; i++) console.log('x'.repeat(99)); } else console.log('quiet'); return {}; }`);
        expect((await post(container, '/run', { value: { flood: true } })).status).toBe(200);
        const flooded = await container.collectLogs({ ...SENTINEL_WAIT, limitBytes: 1000 });
        expect(flooded.truncated).toBe(true);
        expect(flooded.complete).toBe(true);
        expect(flooded.lines.length).toBe(10);
        expect(flooded.lines.reduce((sum, l) => sum + Buffer.byteLength(l.text) + 1, 0)).toBeLessThanOrEqual(1000);
        expect((await post(container, '/run', { value: {} })).status).toBe(200);
        const next = await container.collectLogs({ ...SENTINEL_WAIT, limitBytes: 1000 });
        expect(streamTexts(next.lines, 'stdout')).toEqual(['stdout:quiet']);
        expect(next).toMatchObject({ truncated: false, complete: true });
        await container.destroy();
      },
      TEST_TIMEOUT_MS,
    );

    if (capabilities.canPause) {
      it(
        'pauses, resumes and runs again',
        async () => {
          const container = await started('function main(p) { return { n: p.n }; }');
          expect(await post(container, '/run', { value: { n: 1 } })).toEqual({ status: 200, body: { n: 1 } });
          await container.pause();
          // A request the proxy answers without running anything, so the probe leaves no activation behind.
          await expect(post(container, '/probe', {}, 300)).rejects.toThrow(/timed out/);
          await container.resume();
          expect(await post(container, '/run', { value: { n: 2 } })).toEqual({ status: 200, body: { n: 2 } });
          await container.destroy();
        },
        TEST_TIMEOUT_MS,
      );
    }

    it(
      'destroy makes the address unreachable and is idempotent',
      async () => {
        const container = await started('function main() { return {}; }');
        await container.destroy();
        expect(await reachable(container.baseUrl)).toBe(false);
        await container.destroy();
        expect(await container.status()).toEqual({ running: false, oomKilled: false });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'reports a runtime that exits as not running',
      async () => {
        const container = await started('function main() { process.exit(1); }');
        await expect(post(container, '/run', { value: {} })).rejects.toThrow();
        const status = await eventually(() => container.status(), (s) => !s.running);
        expect(status).toEqual({ running: false, oomKilled: false });
        await container.destroy();
      },
      TEST_TIMEOUT_MS,
    );

    if (capabilities.enforcesMemory && capabilities.reportsOom) {
      it(
        'enforces the memory limit and reports the kill',
        async () => {
          const container = await started('function main() { const b = Buffer.alloc(768 * 1024 * 1024, 1); return { size: b.length }; }', {
            memoryMb: 128,
          });
          await expect(post(container, '/run', { value: {} })).rejects.toThrow();
          const status = await eventually(() => container.status(), (s) => !s.running);
          expect(status).toEqual({ running: false, oomKilled: true });
          await container.destroy();
        },
        TEST_TIMEOUT_MS,
      );
    }

    it(
      'rejects create and leaves nothing behind when the runtime cannot start',
      async () => {
        const failing = make('invokerfail');
        await failing.init();
        const broken = spec('invokerfail', { env: { NODE_OPTIONS: '--require /nonexistent/wisp-preload.js' } });
        await expect(failing.create(broken)).rejects.toThrow(broken.name);
        expect(await options.countOwned(naming, 'invokerfail')).toBe(0);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'close destroys every container it created',
      async () => {
        const closing = make('invokerclose');
        await closing.init();
        const containers = await Promise.all([closing.create(spec('invokerclose')), closing.create(spec('invokerclose'))]);
        expect(await options.countOwned(naming, 'invokerclose')).toBe(2);
        await closing.close();
        expect(await options.countOwned(naming, 'invokerclose')).toBe(0);
        for (const container of containers) expect((await container.status()).running).toBe(false);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "init removes orphans labelled with its own invoker id, and not another invoker's",
      async () => {
        const crashed = make('invokerorphan');
        await crashed.init();
        const orphans = await Promise.all([crashed.create(spec('invokerorphan')), crashed.create(spec('invokerorphan'))]);
        // A paused orphan must go too (Docker refuses some operations on paused containers).
        if (capabilities.canPause) await orphans[0]?.pause();
        const neighbour = make('invokerneighbour');
        await neighbour.init();
        const survivor = await neighbour.create(spec('invokerneighbour'));

        const restarted = make('invokerorphan');
        await restarted.init();
        expect(await options.countOwned(naming, 'invokerorphan')).toBe(0);
        for (const orphan of orphans) expect((await eventually(() => orphan.status(), (s) => !s.running)).running).toBe(false);
        expect(await survivor.status()).toEqual({ running: true, oomKilled: false });
        expect(await reachable(survivor.baseUrl)).toBe(true);
        await survivor.destroy();
      },
      TEST_TIMEOUT_MS,
    );
  });
}

function streamTexts(lines: readonly LogLine[], stream: LogLine['stream']): string[] {
  return lines.filter((l) => l.stream === stream).map((l) => `${l.stream}:${l.text}`);
}

/** Posts as the invoker does, with the container's proxy token (`token: null` sends none). */
function post(container: Pick<Container, 'baseUrl' | 'proxyToken'>, path: string, body: unknown, timeoutMs = 10_000, token: string | null = container.proxyToken): Promise<Reply> {
  const headers = { 'content-type': 'application/json', ...(token !== null ? { [PROXY_TOKEN_HEADER]: token } : {}) };
  return new Promise((resolve, reject) => {
    const req = request(`${container.baseUrl}${path}`, { method: 'POST', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : (JSON.parse(text) as unknown) });
        } catch (error) {
          reject(error as Error);
        }
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Whether the container's address still accepts TCP within a second. */
function reachable(baseUrl: string): Promise<boolean> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const done = (result: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(false), 1000);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
