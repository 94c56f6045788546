import fc from 'fast-check';
import { actionDoc } from '../../test/harness/action-doc';
import { entitySnapshot } from '../../test/harness/entity-snapshot';
import { startControllerUnderTest, type ControllerUnderTest } from '../../test/harness/controller-under-test';
import { expectErrorAnswer } from '../../test/harness/error-answer';

// Rules over HTTP on the standalone adapters: CRUD, state, the link in the trigger's `rules`
// map, references to packaged and foreign actions, concurrent writers, and hostile input.

const prefix = `unit-rules-${process.pid}-${Date.now().toString(36)}`;
let t: ControllerUnderTest;

beforeAll(async () => {
  t = await startControllerUnderTest(prefix);
});

afterAll(async () => {
  await t.stop();
});

const json = async <T = Record<string, unknown>>(res: Response): Promise<T> => (await res.json()) as T;
const action = JSON.stringify({ exec: { kind: 'nodejs:20', code: 'function main(p){return p}' } });
const rule = (trigger: unknown, act: unknown) => JSON.stringify({ trigger, action: act });
const links = async (trigger: string) => (await json<{ rules?: Record<string, unknown> }>(await t.call('GET', `/namespaces/_/triggers/${trigger}`))).rules;

async function setUp(...names: string[]): Promise<void> {
  for (const name of names) {
    const res = name.startsWith('t-') ? await t.call('PUT', `/namespaces/_/triggers/${name}`, '{}') : await t.call('PUT', `/namespaces/_/actions/${name}`, action);
    expect(res.status).toBe(200);
  }
}

/** Writes an action straight into the store under `pkg/name`, as packages place them. */
async function storeAction(namespace: string, pkg: string, name: string): Promise<void> {
  const doc = actionDoc({ namespace: `${namespace}/${pkg}`, name, exec: { kind: 'nodejs:20', code: 'function main(p){return p}', binary: false }, updated: Date.now() });
  expect((await t.stores.entities.put(namespace, `${pkg}/${name}`, doc, null)).ok).toBe(true);
}

async function storePackage(namespace: string, name: string, publish: boolean): Promise<void> {
  const doc = { entityType: 'package' as const, namespace, name, version: '0.0.1', publish, parameters: [], annotations: [], binding: {}, updated: Date.now() };
  expect((await t.stores.entities.put(namespace, name, doc, null)).ok).toBe(true);
}

describe('rule CRUD and state', () => {
  it('creates an active rule and links it in the trigger', async () => {
    await setUp('t-basic', 'a-basic');
    const res = await t.call('PUT', '/namespaces/_/rules/r-basic', JSON.stringify({ name: 'r-basic', status: '', trigger: '/_/t-basic', action: '/_/a-basic' }));
    expect(res.status).toBe(200);
    const created = await json(res);
    expect(created).toEqual({
      namespace: 'guest',
      name: 'r-basic',
      version: '0.0.1',
      publish: false,
      annotations: [],
      trigger: { path: 'guest', name: 't-basic' },
      action: { path: 'guest', name: 'a-basic' },
      status: 'active',
      updated: expect.any(Number),
    });
    expect(await json(await t.call('GET', '/namespaces/_/rules/r-basic'))).toEqual(created);
    expect(await links('t-basic')).toEqual({ 'guest/r-basic': { action: { path: 'guest', name: 'a-basic' }, status: 'active' } });
    const again = await t.call('PUT', '/namespaces/_/rules/r-basic', rule('/_/t-basic', '/_/a-basic'));
    expect(again.status).toBe(409);
    expect((await json(again)).error).toBe('resource already exists');
  });

  it('accepts every form of reference: /_/x, ns/x, a bare name and {path, name}', async () => {
    await setUp('t-forms', 'a-forms');
    for (const [i, [trigger, act]] of ([['t-forms', 'a-forms'], ['guest/t-forms', '/guest/a-forms'], [{ path: '_', name: 't-forms' }, { path: 'guest', name: 'a-forms' }]] as const).entries()) {
      const res = await t.call('PUT', `/namespaces/_/rules/r-forms-${i}`, rule(trigger, act));
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ trigger: { path: 'guest', name: 't-forms' }, action: { path: 'guest', name: 'a-forms' } });
    }
    expect(Object.keys((await links('t-forms')) ?? {}).sort()).toEqual(['guest/r-forms-0', 'guest/r-forms-1', 'guest/r-forms-2']);
  });

  it('disables and enables through the link, answering 200 also when nothing changes', async () => {
    await setUp('t-state', 'a-state');
    await t.call('PUT', '/namespaces/_/rules/r-state', rule('/_/t-state', '/_/a-state'));
    for (const status of ['inactive', 'inactive', 'active', 'active', 'inactive']) {
      const res = await t.call('POST', '/namespaces/_/rules/r-state', JSON.stringify({ status }));
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ name: 'r-state', status });
      expect((await json(await t.call('GET', '/namespaces/_/rules/r-state'))).status).toBe(status);
      expect(await links('t-state')).toEqual({ 'guest/r-state': { action: { path: 'guest', name: 'a-state' }, status } });
    }
    const bad = await t.call('POST', '/namespaces/_/rules/r-state', '{"status":"paused"}');
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toBe("'paused' is not a recognized rule state, must be one of ['active', 'inactive']");
  });

  it('keeps the state on update and moves the link when the trigger changes', async () => {
    await setUp('t-move-1', 't-move-2', 'a-move-1', 'a-move-2');
    await t.call('PUT', '/namespaces/_/rules/r-move', rule('/_/t-move-1', '/_/a-move-1'));
    await t.call('POST', '/namespaces/_/rules/r-move', '{"status":"inactive"}');
    const updated = await t.call('PUT', '/namespaces/_/rules/r-move?overwrite=true', rule('/_/t-move-2', '/_/a-move-2'));
    expect(updated.status).toBe(200);
    expect(await json(updated)).toMatchObject({ version: '0.0.2', status: 'inactive', trigger: { name: 't-move-2' }, action: { name: 'a-move-2' } });
    expect(await links('t-move-1')).toBeUndefined();
    expect(await links('t-move-2')).toEqual({ 'guest/r-move': { action: { path: 'guest', name: 'a-move-2' }, status: 'inactive' } });
    // An update that names only the action keeps the trigger.
    const actionOnly = await json(await t.call('PUT', '/namespaces/_/rules/r-move?overwrite=true', JSON.stringify({ action: '/_/a-move-1' })));
    expect(actionOnly).toMatchObject({ version: '0.0.3', status: 'inactive', trigger: { name: 't-move-2' }, action: { name: 'a-move-1' } });
    expect(await links('t-move-2')).toEqual({ 'guest/r-move': { action: { path: 'guest', name: 'a-move-1' }, status: 'inactive' } });
  });

  it('deletes the rule and its link, answering the rule as inactive', async () => {
    await setUp('t-del', 'a-del');
    await t.call('PUT', '/namespaces/_/rules/r-del', rule('/_/t-del', '/_/a-del'));
    const res = await t.call('DELETE', '/namespaces/_/rules/r-del');
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ name: 'r-del', status: 'inactive' });
    expect(await links('t-del')).toBeUndefined();
    expect((await t.call('GET', '/namespaces/_/rules/r-del')).status).toBe(404);
    expect((await t.call('DELETE', '/namespaces/_/rules/r-del')).status).toBe(404);
  });

  it('shows a rule whose trigger is gone as inactive, refuses to activate it, and still deletes it', async () => {
    await setUp('t-gone', 'a-gone');
    await t.call('PUT', '/namespaces/_/rules/r-gone', rule('/_/t-gone', '/_/a-gone'));
    expect((await t.call('DELETE', '/namespaces/_/triggers/t-gone')).status).toBe(200);
    expect((await json(await t.call('GET', '/namespaces/_/rules/r-gone'))).status).toBe('inactive');
    const activate = await t.call('POST', '/namespaces/_/rules/r-gone', '{"status":"active"}');
    expect(activate.status).toBe(404);
    expect((await json(activate)).error).toBe('Only rules with existing triggers can be activated');
    expect((await t.call('DELETE', '/namespaces/_/rules/r-gone')).status).toBe(200);
  });

  it('lists full documents with skip, limit and count', async () => {
    await setUp('t-list', 'a-list');
    for (const name of ['r-list-1', 'r-list-2']) await t.call('PUT', `/namespaces/_/rules/${name}`, rule('/_/t-list', '/_/a-list'));
    const all = await json<Array<Record<string, unknown>>>(await t.call('GET', '/namespaces/_/rules?limit=200'));
    expect(all.slice(0, 2).map((r) => r.name)).toEqual(['r-list-2', 'r-list-1']);
    expect(all[0]).toMatchObject({ namespace: 'guest', trigger: { path: 'guest', name: 't-list' }, action: { path: 'guest', name: 'a-list' }, version: '0.0.1' });
    expect(all[0]).not.toHaveProperty('entityType');
    expect(await json(await t.call('GET', '/namespaces/_/rules?count=true'))).toEqual({ rules: all.length });
    expect(await json(await t.call('GET', '/namespaces/_/rules?limit=1&skip=1'))).toEqual([all[1]]);
  });

  it('links an action in its own package, and in another namespace only through a public package', async () => {
    await setUp('t-pkg');
    await storePackage('guest', 'mypkg', false);
    await storeAction('guest', 'mypkg', 'inside');
    const own = await t.call('PUT', '/namespaces/_/rules/r-pkg', rule('/_/t-pkg', '/_/mypkg/inside'));
    expect(own.status).toBe(200);
    expect(await links('t-pkg')).toMatchObject({ 'guest/r-pkg': { action: { path: 'guest/mypkg', name: 'inside' }, status: 'active' } });

    await storePackage('whisk.system', 'utils-test', true);
    await storeAction('whisk.system', 'utils-test', 'echo');
    await storePackage('whisk.system', 'private-test', false);
    await storeAction('whisk.system', 'private-test', 'echo');
    expect((await t.call('PUT', '/namespaces/_/rules/r-public', rule('/_/t-pkg', '/whisk.system/utils-test/echo'))).status).toBe(200);
    for (const [target, expected] of [
      ['/whisk.system/private-test/echo', "The supplied authentication is not authorized to access 'whisk.system/private-test/echo'."],
      ['/whisk.system/nothing', "The supplied authentication is not authorized to access 'whisk.system/nothing'."],
    ]) {
      const res = await t.call('PUT', '/namespaces/_/rules/r-foreign', rule('/_/t-pkg', target));
      expect(res.status).toBe(403);
      expect((await json(res)).error).toBe(expected);
    }
    expect((await t.call('GET', '/namespaces/_/rules/r-foreign')).status).toBe(404);
  });

  it('keeps every link when many rules are created on one trigger at once', async () => {
    await setUp('t-many', 'a-many');
    const names = Array.from({ length: 25 }, (_, i) => `r-many-${i}`);
    const answers = await Promise.all(names.map((name) => t.call('PUT', `/namespaces/_/rules/${name}`, rule('/_/t-many', '/_/a-many'))));
    expect(answers.map((r) => r.status)).toEqual(names.map(() => 200));
    await Promise.all(names.filter((_, i) => i % 2 === 0).map((name) => t.call('POST', `/namespaces/_/rules/${name}`, '{"status":"inactive"}')));
    const map = (await links('t-many')) as Record<string, { status: string }>;
    expect(Object.keys(map).sort()).toEqual(names.map((n) => `guest/${n}`).sort());
    for (const [i, name] of names.entries()) expect(map[`guest/${name}`]?.status).toBe(i % 2 === 0 ? 'inactive' : 'active');
    // A trigger update racing with rule changes keeps the map.
    await Promise.all([t.call('PUT', '/namespaces/_/triggers/t-many?overwrite=true', '{"publish":true}'), ...names.slice(0, 5).map((n) => t.call('DELETE', `/namespaces/_/rules/${n}`))]);
    expect(Object.keys((await links('t-many')) ?? {}).sort()).toEqual(names.slice(5).map((n) => `guest/${n}`).sort());
  });
});

describe('rule errors', () => {
  it.each([
    ['PUT', '/namespaces/_/rules/e1', rule('/_/t-nope', '/_/a-err'), 400, 'trigger /guest/t-nope does not exist'],
    ['PUT', '/namespaces/_/rules/e1', rule('/_/t-err', '/_/a-nope'), 400, 'action /guest/a-nope does not exist'],
    ['PUT', '/namespaces/_/rules/e1', rule('/_/t-err', '/_/pkg/a-nope'), 400, 'action /guest/pkg/a-nope does not exist'],
    ['PUT', '/namespaces/_/rules/e1', rule('/_/a-err', '/_/a-err'), 400, 'trigger /guest/a-err does not exist'],
    ['PUT', '/namespaces/_/rules/e1', rule('/_/t-err', '/_/t-err'), 400, 'action /guest/t-err does not exist'],
    ['PUT', '/namespaces/_/rules/e1', JSON.stringify({ trigger: '/_/t-err' }), 400, 'rule requires a valid trigger and a valid action'],
    ['PUT', '/namespaces/_/rules/e1', '{}', 400, 'rule requires a valid trigger and a valid action'],
    ['PUT', '/namespaces/_/rules/e1', rule(5, '/_/a-err'), 400, "The request content was malformed:\n'trigger' must be a fully qualified name '/namespace/[package/]name' or an object {path, name}, but was number 5."],
    ['PUT', '/namespaces/_/rules/e1', rule('/other/t', '/_/a-err'), 403, "The supplied authentication is not authorized to access 'other/t'."],
    ['PUT', '/namespaces/_/rules/t-err', rule('/_/t-err', '/_/a-err'), 409, 'Resource by this name exists but is not in this collection.'],
    ['GET', '/namespaces/_/rules/t-err', undefined, 409, 'Resource by this name exists but is not in this collection.'],
    ['POST', '/namespaces/_/rules/t-err', '{"status":"active"}', 409, 'Resource by this name exists but is not in this collection.'],
    ['POST', '/namespaces/_/rules/e-missing', '{"status":"active"}', 404, 'The requested resource does not exist.'],
    ['DELETE', '/namespaces/_/rules/e-missing', undefined, 404, 'The requested resource does not exist.'],
    ['GET', '/namespaces/_/rules?limit=x', undefined, 400, "The value 'x' is not an integer for rules."],
    ['GET', '/namespaces/other/rules/x', undefined, 403, "The supplied authentication is not authorized to access 'other/x'."],
    ['PUT', '/namespaces/_/rules/bad%2Fname', '{}', 400, 'The name of the entity contains illegal characters.'],
    ['PUT', '/namespaces/_/rules', '{}', 405, 'HTTP method not allowed, supported methods: GET, PUT, POST, DELETE'],
  ])('%s %s with %s answers %i', async (method, path, body, status, message) => {
    const before = await entitySnapshot(t.stores.entities, 'guest', ['trigger', 'rule', 'action']);
    await expectErrorAnswer(await t.call(method, path, body), status, message);
    expect(await entitySnapshot(t.stores.entities, 'guest', ['trigger', 'rule', 'action'])).toEqual(before);
  });

  beforeAll(async () => {
    await t.call('PUT', '/namespaces/_/triggers/t-err', '{}');
    await t.call('PUT', '/namespaces/_/actions/a-err', action);
  });
});

describe('hostile input at the rule routes', () => {
  it('never answers 5xx to hostile rule bodies and leaves the store unchanged on rejection', async () => {
    await setUp('t-fz', 't-fz2', 'a-fz', 'a-fz2');
    expect((await t.call('PUT', '/namespaces/_/rules/r-fz', rule('/_/t-fz', '/_/a-fz'))).status).toBe(200);
    let before = await entitySnapshot(t.stores.entities, 'guest', ['trigger', 'rule', 'action']);
    const ref = fc.oneof(
      fc.constantFrom('/_/t-fz', '/_/t-fz2', '/_/a-fz', 'a-fz2', '/guest/a-fz', '/other/a', '/_/pkg/x', 'x/y/z/w', '', '/', '_', '//', { path: '_', name: 't-fz' }, { path: 5, name: [] }),
      fc.string(),
      fc.anything(),
    );
    const hostile = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ trigger: ref, action: ref, annotations: fc.anything(), version: fc.anything(), publish: fc.anything(), status: fc.anything() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(hostile, fc.boolean(), fc.constantFrom('r-fz', 'r-fz-new'), async (body, overwrite, name) => {
        const res = await t.call('PUT', `/namespaces/_/rules/${name}?overwrite=${overwrite}`, body);
        expect(res.status).toBeLessThan(500);
        const answer = await json(res);
        const after = await entitySnapshot(t.stores.entities, 'guest', ['trigger', 'rule', 'action']);
        if (res.status >= 400) {
          expect(typeof answer.error).toBe('string');
          expect(after).toEqual(before);
        } else {
          before = after;
          if (name === 'r-fz-new') expect((await t.call('DELETE', '/namespaces/_/rules/r-fz-new')).status).toBe(200);
          before = await entitySnapshot(t.stores.entities, 'guest', ['trigger', 'rule', 'action']);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never answers 5xx to hostile state bodies and changes nothing when it refuses', async () => {
    await setUp('t-fs', 'a-fs');
    await t.call('PUT', '/namespaces/_/rules/r-fs', rule('/_/t-fs', '/_/a-fs'));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.record({ status: fc.oneof(fc.constantFrom('active', 'inactive', 'ACTIVE', ''), fc.anything()) }).map((v) => JSON.stringify(v))), async (body) => {
        const before = await entitySnapshot(t.stores.entities, 'guest', ['trigger', 'rule', 'action']);
        const res = await t.call('POST', '/namespaces/_/rules/r-fs', body);
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(await entitySnapshot(t.stores.entities, 'guest', ['trigger', 'rule', 'action'])).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });

  it('never answers 5xx to hostile names', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 300 }), async (name) => {
        const path = `/namespaces/_/rules/${encodeURIComponent(name)}`;
        for (const [method, body] of [['GET', undefined], ['DELETE', undefined], ['POST', '{"status":"active"}'], ['PUT', rule('/_/t-fs', '/_/a-fs')]] as const) {
          const res = await t.call(method, path, body);
          expect(res.status).toBeLessThan(500);
          if (method === 'PUT' && res.status === 200) await t.call('DELETE', path);
        }
      }),
      { numRuns: 100 },
    );
  });
});
