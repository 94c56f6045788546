import fc from 'fast-check';
import { SYSTEM_AUTH } from '../../common/entities/credentials';
import { entitySnapshot } from '../../test/harness/entity-snapshot';
import { startControllerUnderTest, type ControllerUnderTest } from '../../test/harness/controller-under-test';
import { expectErrorAnswer } from '../../test/harness/error-answer';

// Packages and bindings over HTTP on the standalone adapters: CRUD, versions, bindings and their
// OpenWhisk errors, what other namespaces may see, delete with and without force, the
// bootstrapped whisk.system/utils, and hostile input (no 5xx, store unchanged on rejection).

const prefix = `unit-packages-${process.pid}-${Date.now().toString(36)}`;
let t: ControllerUnderTest;

beforeAll(async () => {
  t = await startControllerUnderTest(prefix);
});

afterAll(async () => {
  await t.stop();
});

type Json = Record<string, unknown>;
const json = async <T = Json>(res: Response): Promise<T> => (await res.json()) as T;
const action = JSON.stringify({ exec: { kind: 'nodejs:20', code: 'function main(p){return p}' } });
/** whisk.system, the other namespace the harness bootstraps. */
const asSystem: ControllerUnderTest['call'] = (...args) => t.callAs(SYSTEM_AUTH, ...args);

async function put(path: string, body: unknown, expected = 200): Promise<Json> {
  const res = await t.call('PUT', path, JSON.stringify(body));
  const answer = await json(res);
  expect({ status: res.status, answer }).toMatchObject({ status: expected });
  return answer;
}

describe('packages', () => {
  it('creates, reads, updates (bumping the version) and deletes a package', async () => {
    const created = await put('/namespaces/_/packages/p-crud', { parameters: [{ key: 'a', value: 1 }], annotations: [{ key: 'x', value: 'y' }], namespace: 'ignored', extra: true });
    expect(created).toEqual({
      namespace: 'guest',
      name: 'p-crud',
      version: '0.0.1',
      publish: false,
      binding: {},
      parameters: [{ key: 'a', value: 1 }],
      annotations: [{ key: 'x', value: 'y' }],
      updated: expect.any(Number),
    });
    await expectErrorAnswer(await t.call('PUT', '/namespaces/_/packages/p-crud', '{}'), 409, 'resource already exists');
    const got = await json(await t.call('GET', '/namespaces/guest/packages/p-crud'));
    expect(got).toEqual({ ...created, actions: [], feeds: [] });

    // Given fields replace the old ones wholesale; the rest is kept.
    const updated = await put('/namespaces/_/packages/p-crud?overwrite=true', { publish: true, annotations: [{ key: 'z', value: 2 }] });
    expect(updated).toMatchObject({ version: '0.0.2', publish: true, parameters: [{ key: 'a', value: 1 }], annotations: [{ key: 'z', value: 2 }] });
    expect(await put('/namespaces/_/packages/p-crud?overwrite=true', { version: '3.1.4' })).toMatchObject({ version: '3.1.4' });

    const deleted = await t.call('DELETE', '/namespaces/_/packages/p-crud');
    expect(deleted.status).toBe(200);
    expect(await json(deleted)).toMatchObject({ name: 'p-crud', version: '3.1.4', binding: {} });
    await expectErrorAnswer(await t.call('GET', '/namespaces/_/packages/p-crud'), 404, 'The requested resource does not exist.');
    await expectErrorAnswer(await t.call('DELETE', '/namespaces/_/packages/p-crud'), 404, 'The requested resource does not exist.');
    // Delete and re-create starts the version again.
    expect(await put('/namespaces/_/packages/p-crud', {})).toMatchObject({ version: '0.0.1' });
  });

  it('lists summaries newest first with binding false or the bound package, with skip, limit and count', async () => {
    await put('/namespaces/_/packages/p-list-1', {});
    await put('/namespaces/_/packages/p-list-2', { binding: { namespace: '_', name: 'p-list-1' } });
    const list = await json<Json[]>(await t.call('GET', '/namespaces/_/packages?limit=2'));
    expect(list).toEqual([
      { namespace: 'guest', name: 'p-list-2', version: '0.0.1', publish: false, annotations: [{ key: 'binding', value: { namespace: 'guest', name: 'p-list-1' } }], binding: { namespace: 'guest', name: 'p-list-1' }, updated: expect.any(Number) },
      { namespace: 'guest', name: 'p-list-1', version: '0.0.1', publish: false, annotations: [], binding: false, updated: expect.any(Number) },
    ]);
    expect(await json(await t.call('GET', '/namespaces/_/packages?limit=1&skip=1'))).toEqual([list[1]]);
    const { packages } = await json<{ packages: number }>(await t.call('GET', '/namespaces/_/packages?count=true'));
    expect(packages).toBeGreaterThanOrEqual(2);
    expect((await json<Json[]>(await t.call('GET', '/namespaces/_/packages?limit=0'))).length).toBe(packages);
  });

  it('creates bindings, merging the bound package parameters under the binding ones on GET', async () => {
    await put('/namespaces/_/packages/p-provider', { parameters: [{ key: 'shared', value: 'provider' }, { key: 'only', value: 'provider' }] });
    expect((await t.call('PUT', '/namespaces/_/actions/p-provider/inside', action)).status).toBe(200);
    // A client-sent binding annotation is replaced by the controller's.
    const binding = await put('/namespaces/_/packages/p-bound', {
      binding: { namespace: '_', name: 'p-provider' },
      parameters: [{ key: 'shared', value: 'binding' }],
      annotations: [{ key: 'binding', value: 'forged' }, { key: 'note', value: 1 }],
    });
    expect(binding).toMatchObject({
      namespace: 'guest',
      name: 'p-bound',
      binding: { namespace: 'guest', name: 'p-provider' },
      parameters: [{ key: 'shared', value: 'binding' }],
      annotations: [{ key: 'note', value: 1 }, { key: 'binding', value: { namespace: 'guest', name: 'p-provider' } }],
    });
    const got = await json(await t.call('GET', '/namespaces/_/packages/p-bound'));
    expect(got).toMatchObject({
      name: 'p-bound',
      binding: { namespace: 'guest', name: 'p-provider' },
      parameters: [{ key: 'shared', value: 'binding' }, { key: 'only', value: 'provider' }],
      actions: [{ name: 'inside', version: '0.0.1', annotations: expect.anything() }],
      feeds: [],
    });
    // An update may rebind, and keeps the binding when none is given.
    await put('/namespaces/_/packages/p-provider-2', {});
    expect(await put('/namespaces/_/packages/p-bound?overwrite=true', { binding: { namespace: 'guest', name: 'p-provider-2' } })).toMatchObject({ version: '0.0.2', binding: { name: 'p-provider-2' } });
    expect(await put('/namespaces/_/packages/p-bound?overwrite=true', { publish: false })).toMatchObject({ binding: { name: 'p-provider-2' } });
    // A binding is deleted even though its package has actions.
    expect((await t.call('DELETE', '/namespaces/_/packages/p-bound')).status).toBe(200);
  });

  it('lists a package action whose annotations include feed under feeds', async () => {
    await put('/namespaces/_/packages/p-feeds', {});
    await put('/namespaces/_/actions/p-feeds/plain', JSON.parse(action));
    await put('/namespaces/_/actions/p-feeds/changes', { ...JSON.parse(action), annotations: [{ key: 'feed', value: true }] });
    const got = await json<{ actions: Json[]; feeds: Json[] }>(await t.call('GET', '/namespaces/_/packages/p-feeds'));
    expect(got.actions.map((a) => a.name)).toEqual(['plain']);
    expect(got.feeds.map((a) => a.name)).toEqual(['changes']);
  });

  it.each([
    ['a missing package', { namespace: '_', name: 'p-nothing' }, 400, 'Binding references a package that does not exist.'],
    ['an action', { namespace: 'guest', name: 'p-an-action' }, 409, 'Cannot bind to a resource that is not a package.'],
    ['another binding', { namespace: '_', name: 'p-a-binding' }, 400, 'Cannot bind to another package binding.'],
    ["another namespace's private package", { namespace: 'whisk.system', name: 'p-private' }, 403, "The supplied authentication is not authorized to access 'whisk.system/p-private'."],
    ["another namespace's missing package", { namespace: 'whisk.system', name: 'p-nothing' }, 403, "The supplied authentication is not authorized to access 'whisk.system/p-nothing'."],
    ["another namespace's binding", { namespace: 'whisk.system', name: 'p-system-binding' }, 403, "The supplied authentication is not authorized to access 'whisk.system/p-system-binding'."],
  ])('refuses a binding to %s', async (_what, bindingTarget, status, message) => {
    await t.call('PUT', '/namespaces/_/actions/p-an-action', action);
    await t.call('PUT', '/namespaces/_/packages/p-target', '{}');
    await t.call('PUT', '/namespaces/_/packages/p-a-binding', JSON.stringify({ binding: { namespace: '_', name: 'p-target' } }));
    await asSystem('PUT', '/namespaces/_/packages/p-private', '{}');
    await asSystem('PUT', '/namespaces/_/packages/p-system-binding', JSON.stringify({ binding: { namespace: 'whisk.system', name: 'utils' }, publish: true }));
    const before = await entitySnapshot(t.stores.entities, 'guest', ['package', 'action']);
    await expectErrorAnswer(await t.call('PUT', '/namespaces/_/packages/p-refused', JSON.stringify({ binding: bindingTarget })), status, message);
    expect(await entitySnapshot(t.stores.entities, 'guest', ['package', 'action'])).toEqual(before);
  });

  it('never turns a package into a binding, and reserves the name default', async () => {
    await put('/namespaces/_/packages/p-real', {});
    await put('/namespaces/_/packages/p-other', {});
    await expectErrorAnswer(
      await t.call('PUT', '/namespaces/_/packages/p-real?overwrite=true', JSON.stringify({ binding: { namespace: '_', name: 'p-other' } })),
      409,
      'Resource is a package and cannot be converted into a binding.',
    );
    await expectErrorAnswer(await t.call('PUT', '/namespaces/_/packages/default', '{}'), 400, "Package name 'default' is reserved.");
  });

  it('binds to a public package of another namespace and reads the actions through it', async () => {
    const binding = await put('/namespaces/_/packages/p-my-utils', { binding: { namespace: 'whisk.system', name: 'utils' }, parameters: [{ key: 'greeting', value: 'hi' }] });
    expect(binding).toMatchObject({ namespace: 'guest', binding: { namespace: 'whisk.system', name: 'utils' } });
    const got = await json<{ actions: Json[]; namespace: string; parameters: unknown }>(await t.call('GET', '/namespaces/_/packages/p-my-utils'));
    expect(got.namespace).toBe('guest');
    expect(got.parameters).toEqual([{ key: 'greeting', value: 'hi' }]);
    expect(got.actions.map((a) => a.name).sort()).toEqual(['cat', 'date', 'echo', 'head', 'sort', 'split']);
  });

  it('refuses to delete a package that is not empty unless forced, then deletes its actions first', async () => {
    await put('/namespaces/_/packages/p-full', {});
    await put('/namespaces/_/actions/p-full/one', JSON.parse(action));
    await expectErrorAnswer(await t.call('DELETE', '/namespaces/_/packages/p-full'), 409, 'Package not empty (contains 1 entity). Set force param or delete package contents.');
    await put('/namespaces/_/actions/p-full/two', JSON.parse(action));
    await expectErrorAnswer(await t.call('DELETE', '/namespaces/_/packages/p-full?force=false'), 409, 'Package not empty (contains 2 entities). Set force param or delete package contents.');
    expect((await t.call('GET', '/namespaces/_/actions/p-full/one')).status).toBe(200);
    await expectErrorAnswer(await t.call('DELETE', '/namespaces/_/packages/p-full?force=yes'), 400, "The query parameter 'force' was malformed:\nThe query parameter 'force' must be 'true' or 'false', but was 'yes'.");

    const forced = await t.call('DELETE', '/namespaces/_/packages/p-full?force=true');
    expect(forced.status).toBe(200);
    for (const path of ['/namespaces/_/packages/p-full', '/namespaces/_/actions/p-full/one', '/namespaces/_/actions/p-full/two']) {
      expect((await t.call('GET', path)).status).toBe(404);
    }
    const names = (await json<Json[]>(await t.call('GET', '/namespaces/_/actions?limit=0'))).map((a) => `${String(a.namespace)}/${String(a.name)}`);
    expect(names.filter((n) => n.startsWith('guest/p-full/'))).toEqual([]);
  });

  it('keeps names unique across collections', async () => {
    await t.call('PUT', '/namespaces/_/actions/p-clash', action);
    await expectErrorAnswer(await t.call('PUT', '/namespaces/_/packages/p-clash', '{}'), 409, 'Resource by this name exists but is not in this collection.');
    await expectErrorAnswer(await t.call('GET', '/namespaces/_/packages/p-clash'), 409, 'Resource by this name exists but is not in this collection.');
    await expectErrorAnswer(await t.call('DELETE', '/namespaces/_/packages/p-clash'), 409, 'Resource by this name exists but is not in this collection.');
    await put('/namespaces/_/packages/p-clash-2', {});
    await expectErrorAnswer(await t.call('PUT', '/namespaces/_/actions/p-clash-2', action), 409, 'Resource by this name exists but is not in this collection.');
  });

  it('bootstraps the public whisk.system/utils package with its six actions', async () => {
    const utils = await json<{ publish: boolean; actions: Array<{ name: string; annotations: Json[] }> }>(await t.call('GET', '/namespaces/whisk.system/packages/utils'));
    expect(utils).toMatchObject({ namespace: 'whisk.system', name: 'utils', publish: true, binding: {}, annotations: [{ key: 'description', value: 'Building blocks that format and assemble data' }] });
    expect(utils.actions.map((a) => a.name).sort()).toEqual(['cat', 'date', 'echo', 'head', 'sort', 'split']);
    const echo = await json<{ namespace: string; exec: { kind: string; code: string } }>(await t.call('GET', '/namespaces/whisk.system/actions/utils/echo'));
    expect(echo.namespace).toBe('whisk.system/utils');
    expect(echo.exec.code).toContain('function main(params)');
  });
});

describe('packages seen from another namespace', () => {
  beforeAll(async () => {
    expect((await asSystem('PUT', '/namespaces/_/packages/x-public', JSON.stringify({ publish: true }))).status).toBe(200);
    expect((await asSystem('PUT', '/namespaces/_/packages/x-hidden', '{}')).status).toBe(200);
    expect((await asSystem('PUT', '/namespaces/_/packages/x-public-binding', JSON.stringify({ publish: true, binding: { namespace: '_', name: 'x-public' } }))).status).toBe(200);
  });

  it('lists only published packages that are not bindings, and counts them alike', async () => {
    const own = await json<Json[]>(await asSystem('GET', '/namespaces/whisk.system/packages?limit=0'));
    expect(own.map((p) => p.name)).toEqual(expect.arrayContaining(['x-public', 'x-hidden', 'x-public-binding', 'utils']));
    const seen = await json<Json[]>(await t.call('GET', '/namespaces/whisk.system/packages?limit=0'));
    const names = seen.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['x-public', 'utils']));
    expect(names).not.toContain('x-hidden');
    expect(names).not.toContain('x-public-binding');
    expect(seen.every((p) => p.publish === true && p.binding === false)).toBe(true);
    expect(await json(await t.call('GET', '/namespaces/whisk.system/packages?count=true'))).toEqual({ packages: seen.length });
    expect(await json(await t.call('GET', '/namespaces/whisk.system/packages?limit=1&skip=1'))).toEqual([seen[1]]);
  });

  it('reads a published package, and answers 403 for a private one, a binding or a missing one alike', async () => {
    expect((await t.call('GET', '/namespaces/whisk.system/packages/x-public')).status).toBe(200);
    for (const name of ['x-hidden', 'x-public-binding', 'x-never-was']) {
      await expectErrorAnswer(await t.call('GET', `/namespaces/whisk.system/packages/${name}`), 403, `The supplied authentication is not authorized to access 'whisk.system/${name}'.`);
    }
  });

  it('never writes or deletes packages in another namespace', async () => {
    await expectErrorAnswer(await t.call('PUT', '/namespaces/whisk.system/packages/x-public?overwrite=true', '{}'), 403, "The supplied authentication is not authorized to access 'whisk.system/x-public'.");
    await expectErrorAnswer(await t.call('DELETE', '/namespaces/whisk.system/packages/x-public'), 403, "The supplied authentication is not authorized to access 'whisk.system/x-public'.");
    expect(await json(await t.call('GET', '/namespaces/whisk.system/packages/x-public'))).toMatchObject({ version: '0.0.1' });
  });

  it('refuses a binding whose bound package stopped being readable', async () => {
    expect((await asSystem('PUT', '/namespaces/_/packages/x-fickle', JSON.stringify({ publish: true }))).status).toBe(200);
    await put('/namespaces/_/packages/p-fickle', { binding: { namespace: 'whisk.system', name: 'x-fickle' } });
    expect((await t.call('GET', '/namespaces/_/packages/p-fickle')).status).toBe(200);
    expect((await asSystem('PUT', '/namespaces/_/packages/x-fickle?overwrite=true', JSON.stringify({ publish: false }))).status).toBe(200);
    await expectErrorAnswer(await t.call('GET', '/namespaces/_/packages/p-fickle'), 403, "The supplied authentication is not authorized to access 'guest/p-fickle'.");
    expect((await asSystem('DELETE', '/namespaces/_/packages/x-fickle')).status).toBe(200);
    await expectErrorAnswer(await t.call('GET', '/namespaces/_/packages/p-fickle'), 403, "The supplied authentication is not authorized to access 'guest/p-fickle'.");
    // The binding itself can still be removed by its owner.
    expect((await t.call('DELETE', '/namespaces/_/packages/p-fickle')).status).toBe(200);
  });
});

describe('package input', () => {
  it.each([
    ['POST', '/namespaces/_/packages/anything', undefined, 405, 'HTTP method not allowed, supported methods: GET, PUT, DELETE'],
    ['PUT', '/namespaces/_/packages/bad%2Fname', '{}', 400, 'The name of the entity contains illegal characters.'],
    ['PUT', '/namespaces/_/packages/-bad', '{}', 400, 'The name of the entity contains illegal characters.'],
    ['PUT', `/namespaces/_/packages/${'n'.repeat(257)}`, '{}', 400, 'Name segement longer than allowed: 257 > 256.'],
    ['GET', '/namespaces/bad!ns/packages/x', undefined, 400, 'The namespace contains illegal characters.'],
    ['GET', '/namespaces/_/packages?limit=201', undefined, 400, "The value '201' is not in the range of 0 to 200 for packages."],
    ['GET', '/namespaces/_/packages?skip=-1', undefined, 400, "The value '-1' is not greater than or equal to 0 for packages."],
    ['PUT', '/namespaces/_/packages/in', '[]', 400, 'The request body must be a JSON object, but was an array.'],
    ['PUT', '/namespaces/_/packages/in', '{"binding":"guest/p"}', 400, "The request content was malformed:\n'binding' must be an object {namespace, name}, but was string 'guest/p'."],
    ['PUT', '/namespaces/_/packages/in', '{"binding":{"namespace":"guest"}}', 400, "The request content was malformed:\n'binding.name' is required."],
    ['PUT', '/namespaces/_/packages/in', '{"binding":{"namespace":"a/b","name":"x"}}', 400, "The request content was malformed:\n'binding.namespace' must be a namespace name or '_', but was string 'a/b'."],
    ['PUT', '/namespaces/_/packages/in', '{"parameters":{"a":1}}', 400, "The request content was malformed:\n'parameters' must be an array of {key, value}, but was an object."],
    ['PUT', '/namespaces/_/packages/in', '{"publish":"yes"}', 400, "The request content was malformed:\n'publish' must be a boolean, but was string 'yes'."],
    ['PUT', '/namespaces/_/packages/in', '{"version":"1.2"}', 400, "The request content was malformed:\n'version' must be a semantic version 'major.minor.patch', but was string '1.2'."],
    ['PUT', '/namespaces/_/packages/in?overwrite=maybe', '{}', 400, "The query parameter 'overwrite' was malformed:\nThe query parameter 'overwrite' must be 'true' or 'false', but was 'maybe'."],
  ])('%s %s with body %j answers %i', async (method, path, body, status, message) => {
    await expectErrorAnswer(await t.call(method, path, body), status, message);
    expect((await t.call('GET', '/namespaces/_/packages/in')).status).toBe(404);
  });

  it('answers 413 for parameters over 1 MB and 415 for a body that is not JSON', async () => {
    const big = JSON.stringify({ parameters: [{ key: 'k', value: 'v'.repeat(1024 * 1024) }] });
    const res = await t.call('PUT', '/namespaces/_/packages/in', big);
    expect(res.status).toBe(413);
    expect((await json<{ error: string }>(res)).error).toMatch(/^parameters larger than allowed: \d+ > 1048576 bytes\.$/);
    expect((await t.call('PUT', '/namespaces/_/packages/in', 'publish=true', { 'Content-Type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await t.call('PUT', '/namespaces/_/packages/in', 'x'.repeat(3 * 1024 * 1024))).status).toBe(413);
    expect((await t.call('GET', '/namespaces/_/packages/in')).status).toBe(404);
  });

  it('never answers 5xx to hostile package bodies and leaves the store unchanged on rejection', async () => {
    await put('/namespaces/_/packages/fz-target', {});
    await put('/namespaces/_/packages/fz', { parameters: [{ key: 'a', value: 1 }] });
    const anyBinding = fc.oneof(
      fc.anything(),
      fc.record({ namespace: fc.oneof(fc.constantFrom('_', 'guest', 'whisk.system', 'nobody', ''), fc.string()), name: fc.oneof(fc.constantFrom('fz-target', 'fz', 'utils', 'default'), fc.string()) }, { requiredKeys: [] }),
    );
    const hostile = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ binding: anyBinding, parameters: fc.anything(), annotations: fc.anything(), version: fc.anything(), publish: fc.anything() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(hostile, fc.constantFrom('fz', 'fz-new', 'default'), fc.boolean(), async (body, name, overwrite) => {
        const before = await entitySnapshot(t.stores.entities, 'guest', ['package', 'action']);
        const res = await t.call('PUT', `/namespaces/_/packages/${name}?overwrite=${overwrite}`, body);
        expect(res.status).toBeLessThan(500);
        const answer = await json(res);
        if (res.status >= 400) {
          expect(typeof answer.error).toBe('string');
          expect(answer.code).toBe(res.headers.get('x-request-id'));
          expect(await entitySnapshot(t.stores.entities, 'guest', ['package', 'action'])).toEqual(before);
        } else if (name === 'fz-new') {
          expect((await t.call('DELETE', '/namespaces/_/packages/fz-new')).status).toBe(200);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never answers 5xx to hostile names, namespaces and query strings on package routes', async () => {
    const segment = fc.oneof(fc.string({ minLength: 1, maxLength: 300 }), fc.constantFrom('_', 'guest', 'whisk.system', 'utils', '..', '%', ' '));
    await fc.assert(
      fc.asyncProperty(segment, segment, fc.string({ maxLength: 40 }), async (namespace, name, query) => {
        const before = await entitySnapshot(t.stores.entities, 'guest', ['package', 'action']);
        const q = `?${encodeURIComponent(query)}=${encodeURIComponent(query)}`;
        for (const [method, path] of [
          ['GET', `/namespaces/${encodeURIComponent(namespace)}/packages${q}`],
          ['GET', `/namespaces/${encodeURIComponent(namespace)}/packages/${encodeURIComponent(name)}${q}`],
          ['DELETE', `/namespaces/${encodeURIComponent(namespace)}/packages/${encodeURIComponent(name)}${q}`],
          ['POST', `/namespaces/${encodeURIComponent(namespace)}/packages/${encodeURIComponent(name)}${q}`],
          ['PUT', `/namespaces/${encodeURIComponent(namespace)}/packages/${encodeURIComponent(name)}${q}`],
        ] as const) {
          const res = await t.call(method, path, method === 'PUT' ? '{"binding":{"namespace":"nobody","name":"x"}}' : undefined);
          expect(res.status).toBeLessThan(500);
          if (method !== 'GET') expect(res.status).toBeGreaterThanOrEqual(400);
        }
        expect(await entitySnapshot(t.stores.entities, 'guest', ['package', 'action'])).toEqual(before);
      }),
      { numRuns: 80 },
    );
  });
});
