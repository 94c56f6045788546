import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openwhisk from 'openwhisk';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { AUTH_LINE, runAdmin } from '../harness/admin-process';
import { builtEntry } from '../harness/built-entry';
import { startDistributedPlatform, startStandalonePlatform, type DistributedPlatform, type StandalonePlatform } from '../harness/platforms';

// Issue #14 "API routes": a user maps `GET /shop/items` and friends to web actions with the
// `openwhisk` npm client's routes API, reads the OpenAPI document back, and calls the routes at
// `/api/{namespace}{basepath}{relpath}` with plain fetch; another tenant neither sees nor deletes
// them; a route is 404 once deleted; one API past its per-minute limit is answered 429. On both
// profiles: the standalone process, and a controller and invoker over Kafka, NATS, Redis, Docker.

jest.setTimeout(120_000);

const RATE_PER_MINUTE = 15;
const RATE_ENV = { WISP_API_RATE_PER_MINUTE: String(RATE_PER_MINUTE) };
const LIST = `function main(p) { return { items: ['pen', 'ink'], path: p.__ow_path, method: p.__ow_method }; }`;
const ONE = `function main(p) { return { id: p.id === undefined ? null : p.id, q: p.q === undefined ? null : p.q, ...(p.name ? { name: p.name } : {}) }; }`;
const ADD = `function main(p) { return { statusCode: 201, headers: { 'X-Added': p.name }, body: { added: p.name } }; }`;

// lib/routes.js takes more than the package's typings say: `name`, `responsetype`, and a `get`.
interface RoutesApi {
  create(options: { name?: string; basepath?: string; relpath: string; operation: string; action: string; responsetype?: string }): Promise<unknown>;
  get(options: { name?: string; basepath?: string }): Promise<unknown>;
  list(options?: { basepath?: string }): Promise<unknown>;
  delete(options: { name?: string; basepath?: string; relpath?: string; operation?: string }): Promise<unknown>;
}
const routesOf = (client: ReturnType<typeof openwhisk>): RoutesApi => client.routes as unknown as RoutesApi;

/** The status of a GET of `path` exactly as written. */
const rawStatus = (apihost: string, path: string) =>
  new Promise<number>((resolve, reject) => {
    const { hostname, port } = new URL(apihost);
    const req = request({ host: hostname, port: Number(port), path, method: 'GET' }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end();
  });

type Refusal = { statusCode: number; error: { error: string; code: string } };
const refusal = async (promise: Promise<unknown>): Promise<Refusal> => {
  try {
    await promise;
  } catch (err) {
    return err as Refusal;
  }
  throw new Error('expected a refusal');
};

interface RoutesPlatform {
  readonly apihost: string;
  /** A key of a second tenant, made with wisp-admin. */
  readonly otherAuth: string;
  readonly otherNamespace: string;
}

function describeApiRoutes(platform: () => RoutesPlatform): void {
  let guestClient: ReturnType<typeof openwhisk>;
  let guest: { routes: RoutesApi };
  let tenant: { routes: RoutesApi };
  const gateway = (path: string, init?: RequestInit) => fetch(`${platform().apihost}/api/guest${path}`, init);

  beforeAll(async () => {
    guestClient = openwhisk({ apihost: platform().apihost, api_key: GUEST_AUTH });
    guest = { routes: routesOf(guestClient) };
    tenant = { routes: routesOf(openwhisk({ apihost: platform().apihost, api_key: platform().otherAuth })) };
    const web = [{ key: 'web-export', value: true }];
    await guestClient.actions.create({ name: 'shop-list', action: { exec: { kind: 'nodejs:20', code: LIST }, annotations: web } });
    await guestClient.actions.create({ name: 'shop-one', action: { exec: { kind: 'nodejs:20', code: ONE }, annotations: web } });
    await guestClient.actions.create({ name: 'shop-add', action: { exec: { kind: 'nodejs:20', code: ADD }, annotations: web } });
    await guestClient.actions.create({ name: 'shop-hidden', action: { exec: { kind: 'nodejs:20', code: LIST } } });
  });

  it('creates routes and answers them in the apidoc, with x-openwhisk naming each web action', async () => {
    await guest.routes.create({ name: 'Shop', basepath: '/shop', relpath: '/items', operation: 'GET', action: 'shop-list' });
    await guest.routes.create({ basepath: '/shop', relpath: '/items/{id}', operation: 'GET', action: 'shop-one' });
    const made = (await guest.routes.create({ basepath: '/shop', relpath: '/items', operation: 'POST', action: 'shop-add', responsetype: 'http' })) as { gwApiUrl: string };
    expect(made.gwApiUrl).toBe(`${platform().apihost}/api/guest/shop`);

    const got = (await guest.routes.get({ basepath: '/shop' })) as { apis: { value: { apidoc: Record<string, any> } }[] };
    expect(got.apis).toHaveLength(1);
    const apidoc = got.apis[0]!.value.apidoc;
    expect(apidoc).toMatchObject({ swagger: '2.0', basePath: '/shop', info: { title: 'Shop' } });
    expect(Object.keys(apidoc.paths).sort()).toEqual(['/items', '/items/{id}']);
    expect(apidoc.paths['/items'].get['x-openwhisk']).toEqual({ namespace: 'guest', package: '', action: 'shop-list', url: `${platform().apihost}/api/v1/web/guest/default/shop-list.json` });
    expect(apidoc.paths['/items'].post['x-openwhisk']).toMatchObject({ action: 'shop-add', url: `${platform().apihost}/api/v1/web/guest/default/shop-add.http` });
    expect(apidoc.paths['/items/{id}'].get.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path' })]);
    // By API name too, and in the namespace's list.
    expect(((await guest.routes.get({ name: 'Shop' })) as { apis: unknown[] }).apis).toHaveLength(1);
    expect(((await guest.routes.list()) as { apis: { value: { apidoc: { basePath: string } } }[] }).apis.map((a) => a.value.apidoc.basePath)).toEqual(['/shop']);
  });

  it('serves each route at /api/{namespace}{basepath}{relpath}: GET, GET with a path parameter, POST with the http response type', async () => {
    const list = await gateway('/shop/items');
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await list.json()).toEqual({ items: ['pen', 'ink'], path: '/items', method: 'get' });

    const one = await gateway('/shop/items/42?q=blue');
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual({ id: '42', q: 'blue' });

    const add = await gateway('/shop/items', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'pen' }) });
    expect(add.status).toBe(201);
    expect(add.headers.get('x-added')).toBe('pen');
    expect(await add.json()).toEqual({ added: 'pen' });

    // A browser's preflight for the POST route gets the web actions' CORS answer.
    const preflight = await gateway('/shop/items', { method: 'OPTIONS', headers: { 'Access-Control-Request-Method': 'POST', Origin: 'https://app.example' } });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers an unknown route, verb or namespace 404 with {error, code}', async () => {
    for (const [path, method] of [['/shop/nothing', 'GET'], ['/shop/items', 'DELETE'], ['/shop/items/1/2', 'GET']] as const) {
      const res = await gateway(path, { method });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: 'The requested resource does not exist.', code: expect.any(String) });
    }
    expect((await fetch(`${platform().apihost}/api/${platform().otherNamespace}/shop/items`)).status).toBe(404);
    // Encoded dots and slashes never step out of the base path or the namespace.
    // (node:http sends the path as written; fetch would resolve the dots first.)
    for (const path of ['/api/guest/shop/%2e%2e/shop/items', '/api/guest/shop/items/%2e%2e', '/api/guest/shop/items/..', '/api/guest%2Fshop/items', '/api/%2e%2e/guest/shop/items']) {
      expect(await rawStatus(platform().apihost, path)).toBe(404);
    }
    expect(await rawStatus(platform().apihost, '/api/guest/shop/items')).toBe(200);
  });

  it('refuses a bad route with a 4xx {error, code}, storing nothing', async () => {
    const bad = [
      [{ basepath: '/shop', relpath: '/x', operation: 'FETCH', action: 'shop-list' }, 400],
      [{ basepath: '/shop', relpath: '/../x', operation: 'GET', action: 'shop-list' }, 400],
      [{ basepath: '/shop', relpath: '/x', operation: 'GET', action: 'shop-list', responsetype: 'xml' }, 400],
      [{ basepath: '/shop', relpath: '/x', operation: 'GET', action: 'no-such-action' }, 404],
      [{ basepath: '/shop', relpath: '/x', operation: 'GET', action: 'shop-hidden' }, 400],
    ] as const;
    for (const [options, status] of bad) {
      const refused = await refusal(guest.routes.create(options));
      expect(refused.statusCode).toBe(status);
      expect(refused.error).toEqual({ error: expect.any(String), code: expect.any(String) });
    }
    expect((await refusal(guest.routes.create({ basepath: '/shop', relpath: '/x', operation: 'GET', action: 'shop-hidden' }))).error.error).toContain('is not a web action');
    const apidoc = ((await guest.routes.get({ basepath: '/shop' })) as { apis: { value: { apidoc: { paths: object } } }[] }).apis[0]!.value.apidoc;
    expect(Object.keys(apidoc.paths).sort()).toEqual(['/items', '/items/{id}']);
  });

  it("keeps another tenant from seeing, deleting or routing to guest's APIs", async () => {
    expect(await tenant.routes.list()).toEqual({ apis: [] });
    expect(await tenant.routes.get({ basepath: '/shop' })).toEqual({ apis: [] });
    expect((await refusal(tenant.routes.delete({ basepath: '/shop' }))).statusCode).toBe(404);
    expect((await refusal(tenant.routes.create({ basepath: '/steal', relpath: '/x', operation: 'GET', action: '/guest/shop-list' }))).statusCode).toBe(403);
    expect((await gateway('/shop/items')).status).toBe(200);
    // No key at all: the routes API is not open.
    expect((await fetch(`${platform().apihost}/api/v1/web/whisk.system/apimgmt/getApi`)).status).toBe(401);
  });

  it("refuses a path parameter that would override the action's final parameter, as a query parameter would be", async () => {
    await guestClient.actions.create({
      name: 'shop-final',
      action: { exec: { kind: 'nodejs:20', code: ONE }, parameters: [{ key: 'id', value: 'fixed' }], annotations: [{ key: 'web-export', value: true }, { key: 'final', value: true }] },
    });
    await guest.routes.create({ basepath: '/fixed', relpath: '/{id}', operation: 'GET', action: 'shop-final' });
    const refused = await gateway('/fixed/7');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: 'Request defines parameters that are not allowed (e.g., reserved properties).', code: expect.any(String) });
  });

  it('answers 429 once an API passes its per-minute limit, without touching other APIs', async () => {
    await guest.routes.create({ basepath: '/burst', relpath: '/ping', operation: 'GET', action: 'shop-list' });
    let statuses: number[] = [];
    // A minute boundary inside the burst restarts the count once, so 2 limits and a bit always reach it.
    for (let i = 0; i < 2 * RATE_PER_MINUTE + 2 && !statuses.includes(429); i++) statuses = [...statuses, (await gateway('/burst/ping')).status];
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    const limited = await gateway('/burst/ping');
    if (limited.status === 429) expect(await limited.json()).toEqual({ error: 'Too many requests to this API in the last minute.', code: expect.any(String) });
    expect((await gateway('/shop/items')).status).toBe(200);
  });

  it('works the same through the wisp CLI: api create, list, get, delete', async () => {
    const home = mkdtempSync(join(tmpdir(), 'wisp-routes-cli-'));
    try {
      const wisp = (...args: string[]) => runWisp(args, { HOME: home, WSK_CONFIG_FILE: join(home, 'wskprops'), PATH: process.env.PATH ?? '' }, platform().apihost);
      const created = await wisp('api', 'create', '/cli', '/hello/{name}', 'get', 'shop-one', '--apiname', 'Cli');
      expect(created).toMatchObject({ code: 0 });
      expect(created.stdout).toBe(`ok: created API /cli/hello/{name} GET for action /_/shop-one\n${platform().apihost}/api/guest/cli/hello/{name}\n`);
      const listed = await wisp('api', 'list', '/cli');
      expect(listed.stdout).toMatch(/^ok: APIs\nAction +Verb +API Name +URL\n\/guest\/shop-one +GET +Cli +http:\/\/\S+\/api\/guest\/cli\/hello\/\{name\}\n/);
      expect(JSON.parse((await wisp('api', 'get', 'Cli', '--json')).stdout)).toMatchObject({ basePath: '/cli', info: { title: 'Cli' } });
      expect(await (await gateway('/cli/hello/ann')).json()).toEqual({ id: null, q: null, name: 'ann' });
      expect(await wisp('api', 'delete', '/cli')).toMatchObject({ code: 0, stdout: 'ok: deleted API /cli\n' });
      expect((await gateway('/cli/hello/ann')).status).toBe(404);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('deletes one route, then the whole API, after which its URLs are 404', async () => {
    await guest.routes.delete({ basepath: '/shop', relpath: '/items/{id}', operation: 'GET' });
    expect((await gateway('/shop/items/42')).status).toBe(404);
    expect((await gateway('/shop/items')).status).toBe(200);
    await guest.routes.delete({ basepath: '/shop' });
    expect((await gateway('/shop/items')).status).toBe(404);
    expect((await refusal(guest.routes.delete({ basepath: '/shop' }))).statusCode).toBe(404);
    expect(((await guest.routes.list()) as { apis: { value: { apidoc: { basePath: string } } }[] }).apis.map((a) => a.value.apidoc.basePath)).toEqual(['/burst', '/fixed']);
  });
}

describe('API routes on the standalone platform', () => {
  const prefix = `e2e-routes-sa-${process.pid}-${Date.now().toString(36)}`;
  const otherNamespace = `${prefix}-other`;
  const dataDir = mkdtempSync(join(tmpdir(), 'wisp-routes-'));
  let platform: StandalonePlatform | undefined;
  let otherAuth = '';

  beforeAll(async () => {
    // The embedded store is locked while the platform runs: the second tenant is made before it starts.
    otherAuth = await createUser(otherNamespace, ['--data-dir', dataDir], {});
    platform = await startStandalonePlatform({ name: 'standalone', prefix, containers: 'process', dataDir, env: RATE_ENV });
  });

  afterAll(async () => {
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describeApiRoutes(() => ({ apihost: platform!.apihost, otherAuth, otherNamespace }));
});

describe('API routes on the distributed platform (Kafka, NATS, Redis, Docker)', () => {
  const prefix = `e2e-routes-dist-${process.pid}-${Date.now().toString(36)}`;
  const otherNamespace = `${prefix}-other`;
  let platform: DistributedPlatform | undefined;
  let otherAuth = '';

  beforeAll(async () => {
    platform = await startDistributedPlatform({ prefix, env: RATE_ENV });
    otherAuth = await createUser(otherNamespace, [], { WISP_PREFIX: prefix });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  describeApiRoutes(() => ({ apihost: platform!.apihost, otherAuth, otherNamespace }));
});

/** The built wisp CLI with `--apihost` and the guest key, as a user runs it. */
async function runWisp(args: string[], env: Record<string, string>, apihost: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [builtEntry('deploy/cli/main.ts'), ...args, '--apihost', apihost, '--auth', GUEST_AUTH], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

async function createUser(namespace: string, args: string[], env: Record<string, string>): Promise<string> {
  const created = await runAdmin(['user', 'create', namespace, ...args], env);
  if (created.code !== 0) throw new Error(`wisp-admin exited ${created.code}: ${created.stderr}`);
  expect(created.stdout).toMatch(AUTH_LINE);
  return created.stdout.trim();
}
