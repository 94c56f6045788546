import fc from 'fast-check';
import { SYSTEM_AUTH } from '../../common/entities/credentials';
import type { ActivationMessage } from '../../common/protocol/activation-message';
import { eventually } from '../../test/harness/eventually';
import { entitySnapshot } from '../../test/harness/entity-snapshot';
import { startControllerUnderTest, type ControllerUnderTest } from '../../test/harness/controller-under-test';
import { expectErrorAnswer, okBody } from '../../test/harness/error-answer';
import { startStandInInvoker, type StandInInvoker } from '../../test/harness/stand-in-invoker';

// Actions inside packages over HTTP on the standalone adapters: the four verbs on
// `ns/pkg/name`, package listings, bindings, other namespaces' public packages, and what an
// invoke sends to the invoker (where the action lives, the merged parameters, the caller, the
// binding). A stand-in invoker beats and records the messages; no action runs here (the e2e
// tests run them).

const prefix = `unit-pkg-actions-${process.pid}-${Date.now().toString(36)}`;
let t: ControllerUnderTest;
let invoker: StandInInvoker;

beforeAll(async () => {
  t = await startControllerUnderTest(prefix);
  invoker = await startStandInInvoker(t, { beatEveryMs: 200 });
  await t.controller.registry.waitForHealthy(5000);
});

afterAll(async () => {
  await invoker.stop();
  await t.stop();
});

type Json = Record<string, unknown>;
const json = async <T = Json>(res: Response): Promise<T> => (await res.json()) as T;
const code = 'function main(p){return p}';
const action = (extra: Json = {}) => JSON.stringify({ exec: { kind: 'nodejs:20', code }, ...extra });
const asSystem: ControllerUnderTest['call'] = (...args) => t.callAs(SYSTEM_AUTH, ...args);


/** Invokes non-blocking and answers the message the invoker received. */
async function invoke(path: string, payload: Json = {}, call = t.call): Promise<ActivationMessage> {
  const res = await call('POST', path, JSON.stringify(payload));
  const body = await json<{ activationId: string }>(res);
  expect({ status: res.status, body }).toMatchObject({ status: 202, body: { activationId: expect.stringMatching(/^[0-9a-f]{32}$/) } });
  expect(res.headers.get('x-openwhisk-activation-id')).toBe(body.activationId);
  return eventually(async () => invoker.sent.find((m) => m.activationId === body.activationId), 5000, 10);
}

describe('actions in packages', () => {
  beforeAll(async () => {
    await okBody(t.call('PUT', '/namespaces/_/packages/pa', JSON.stringify({ parameters: [{ key: 'from', value: 'package' }, { key: 'pkgOnly', value: 1 }] })));
  });

  it('creates, reads, updates and deletes an action inside a package', async () => {
    const created = await okBody(t.call('PUT', '/namespaces/_/actions/pa/crud', action({ parameters: [{ key: 'from', value: 'action' }] })));
    expect(created).toMatchObject({ namespace: 'guest/pa', name: 'crud', version: '0.0.1', exec: { kind: 'nodejs:20', code } });
    await expectErrorAnswer(await t.call('PUT', '/namespaces/_/actions/pa/crud', action()), 409, 'resource already exists');
    // A GET merges the package's parameters under the action's.
    const got = await okBody(t.call('GET', '/namespaces/guest/actions/pa/crud'));
    expect(got.parameters).toEqual([{ key: 'from', value: 'action' }, { key: 'pkgOnly', value: 1 }]);
    const noCode = await okBody(t.call('GET', '/namespaces/_/actions/pa/crud?code=false'));
    expect(noCode.exec).toEqual({ kind: 'nodejs:20', binary: false });
    expect(await okBody(t.call('PUT', '/namespaces/_/actions/pa/crud?overwrite=true', '{"publish":true}'))).toMatchObject({ version: '0.0.2', namespace: 'guest/pa' });
    expect(await okBody(t.call('DELETE', '/namespaces/_/actions/pa/crud'))).toMatchObject({ name: 'crud', namespace: 'guest/pa' });
    await expectErrorAnswer(await t.call('GET', '/namespaces/_/actions/pa/crud'), 404, 'The requested resource does not exist.');
    await expectErrorAnswer(await t.call('DELETE', '/namespaces/_/actions/pa/crud'), 404, 'The requested resource does not exist.');
  });

  it('keeps a packaged action apart from a namespace action of the same name', async () => {
    await okBody(t.call('PUT', '/namespaces/_/actions/twin', action({ parameters: [{ key: 'where', value: 'root' }] })));
    await okBody(t.call('PUT', '/namespaces/_/actions/pa/twin', action({ parameters: [{ key: 'where', value: 'package' }] })));
    expect((await okBody(t.call('GET', '/namespaces/_/actions/twin'))).parameters).toEqual([{ key: 'where', value: 'root' }]);
    expect((await okBody(t.call('GET', '/namespaces/_/actions/pa/twin'))).parameters).toEqual([{ key: 'from', value: 'package' }, { key: 'pkgOnly', value: 1 }, { key: 'where', value: 'package' }]);
  });

  it('lists a package with a trailing slash, and lists packaged actions in the namespace list', async () => {
    await okBody(t.call('PUT', '/namespaces/_/packages/pl', '{}'));
    for (const name of ['one', 'two', 'three']) await okBody(t.call('PUT', `/namespaces/_/actions/pl/${name}`, action()));
    const inPackage = await json<Json[]>(await t.call('GET', '/namespaces/_/actions/pl/'));
    expect(inPackage.map((a) => a.name)).toEqual(['three', 'two', 'one']);
    expect(inPackage[0]).toEqual({ namespace: 'guest/pl', name: 'three', version: '0.0.1', publish: false, annotations: expect.anything(), limits: expect.anything(), exec: { binary: false }, updated: expect.any(Number) });
    expect(await json(await t.call('GET', '/namespaces/_/actions/pl/?limit=1&skip=1'))).toEqual([inPackage[1]]);
    expect(await json(await t.call('GET', '/namespaces/_/actions/pl/?count=true'))).toEqual({ actions: 3 });
    await expectErrorAnswer(await t.call('GET', '/namespaces/_/actions/pl/?limit=300'), 400, "The value '300' is not in the range of 0 to 200 for actions.");
    await expectErrorAnswer(await t.call('GET', '/namespaces/_/actions/nowhere/'), 404, 'The requested resource does not exist.');
    const all = await json<Json[]>(await t.call('GET', '/namespaces/_/actions?limit=0'));
    expect(all.filter((a) => a.namespace === 'guest/pl').map((a) => a.name)).toEqual(['three', 'two', 'one']);
    // Without the slash the same path is the action named `pl`, which does not exist.
    await expectErrorAnswer(await t.call('GET', '/namespaces/_/actions/pl'), 409, 'Resource by this name exists but is not in this collection.');
  });

  it('refuses writes into a missing package, through a binding, and into a package of another namespace', async () => {
    await okBody(t.call('PUT', '/namespaces/_/packages/pb', JSON.stringify({ binding: { namespace: '_', name: 'pa' } })));
    const before = await entitySnapshot(t.stores.entities, 'guest', ['action', 'package']);
    await expectErrorAnswer(await t.call('PUT', '/namespaces/_/actions/no-such-package/x', action()), 404, 'The requested resource does not exist.');
    await expectErrorAnswer(await t.call('PUT', '/namespaces/_/actions/pb/x', action()), 400, 'Operation not permitted on package binding.');
    await expectErrorAnswer(await t.call('DELETE', '/namespaces/_/actions/pb/twin'), 400, 'Operation not permitted on package binding.');
    await expectErrorAnswer(await t.call('PUT', '/namespaces/whisk.system/actions/utils/mine', action()), 403, "The supplied authentication is not authorized to access 'whisk.system/utils/mine'.");
    await expectErrorAnswer(await t.call('DELETE', '/namespaces/whisk.system/actions/utils/echo'), 403, "The supplied authentication is not authorized to access 'whisk.system/utils/echo'.");
    await expectErrorAnswer(await t.call('PUT', '/namespaces/_/actions/twin/x', action()), 409, 'Resource by this name exists but is not in this collection.');
    expect(await entitySnapshot(t.stores.entities, 'guest', ['action', 'package'])).toEqual(before);
  });

  it('reads an action through a binding from the bound package, parameters layered package < binding < action', async () => {
    await okBody(t.call('PUT', '/namespaces/_/packages/pb2', JSON.stringify({ binding: { namespace: '_', name: 'pa' }, parameters: [{ key: 'from', value: 'binding' }, { key: 'bindingOnly', value: 2 }] })));
    await okBody(t.call('PUT', '/namespaces/_/actions/pa/layered', action({ parameters: [{ key: 'actionOnly', value: 3 }] })));
    const got = await okBody(t.call('GET', '/namespaces/_/actions/pb2/layered'));
    expect(got).toMatchObject({ namespace: 'guest/pa', name: 'layered' });
    expect(got.parameters).toEqual([
      { key: 'from', value: 'binding' },
      { key: 'pkgOnly', value: 1 },
      { key: 'bindingOnly', value: 2 },
      { key: 'actionOnly', value: 3 },
    ]);
    const listed = await json<Json[]>(await t.call('GET', '/namespaces/_/actions/pb2/'));
    expect(listed.map((a) => a.name)).toContain('layered');
    expect(listed.every((a) => a.namespace === 'guest/pa')).toBe(true);
  });

  it("reads another namespace's public package actions, and answers 403 for its private ones", async () => {
    expect((await asSystem('PUT', '/namespaces/_/packages/sys-private', '{}')).status).toBe(200);
    expect((await asSystem('PUT', '/namespaces/_/actions/sys-private/secret', action())).status).toBe(200);
    expect(await okBody(t.call('GET', '/namespaces/whisk.system/actions/utils/echo'))).toMatchObject({ namespace: 'whisk.system/utils', name: 'echo' });
    expect((await json<Json[]>(await t.call('GET', '/namespaces/whisk.system/actions/utils/'))).length).toBe(6);
    for (const path of ['/namespaces/whisk.system/actions/sys-private/secret', '/namespaces/whisk.system/actions/sys-missing/secret', '/namespaces/whisk.system/actions/sys-private/']) {
      const pkg = path.split('/')[4];
      await expectErrorAnswer(await t.call(path.endsWith('/') ? 'GET' : 'GET', path), 403, `The supplied authentication is not authorized to access 'whisk.system/${pkg}'.`);
    }
    await expectErrorAnswer(await t.call('POST', '/namespaces/whisk.system/actions/sys-private/secret', '{}'), 403, "The supplied authentication is not authorized to access 'whisk.system/sys-private'.");
    await expectErrorAnswer(await t.call('GET', '/namespaces/whisk.system/actions/utils/nothing'), 404, 'The requested resource does not exist.');
  });
});

describe('invoking actions in packages', () => {
  beforeAll(async () => {
    await okBody(t.call('PUT', '/namespaces/_/packages/pi', JSON.stringify({ parameters: [{ key: 'a', value: 'package' }, { key: 'b', value: 'package' }, { key: 'c', value: 'package' }, { key: 'd', value: 'package' }] })));
    await okBody(t.call('PUT', '/namespaces/_/actions/pi/act', action({ parameters: [{ key: 'c', value: 'action' }, { key: 'd', value: 'action' }, { key: 'secret', value: 'env', init: true }] })));
    await okBody(t.call('PUT', '/namespaces/_/packages/pi-bound', JSON.stringify({ binding: { namespace: '_', name: 'pi' }, parameters: [{ key: 'b', value: 'binding' }, { key: 'c', value: 'binding' }] })));
  });

  it('sends the action where it lives with package < action < payload parameters', async () => {
    const message = await invoke('/namespaces/_/actions/pi/act', { d: 'payload' });
    expect(message.action).toMatchObject({ namespace: 'guest/pi', name: 'act', version: '0.0.1' });
    expect(message.user.namespace).toBe('guest');
    expect(message.content).toEqual({ a: 'package', b: 'package', c: 'action', d: 'payload' });
    expect(message.binding).toBeUndefined();
    const stored = await t.stores.entities.get('guest', 'pi/act');
    expect(message.action.revision).toBe(stored?.revision);
  });

  it('resolves a binding to the bound action, layers package < binding < action < payload, and names the binding', async () => {
    const message = await invoke('/namespaces/_/actions/pi-bound/act', { d: 'payload' });
    expect(message.action).toMatchObject({ namespace: 'guest/pi', name: 'act' });
    expect(message.content).toEqual({ a: 'package', b: 'binding', c: 'action', d: 'payload' });
    expect(message.binding).toBe('guest/pi-bound');
  });

  it("runs an action of another namespace's public package as the caller", async () => {
    const message = await invoke('/namespaces/whisk.system/actions/utils/echo', { hello: 'world' });
    expect(message.action).toMatchObject({ namespace: 'whisk.system/utils', name: 'echo' });
    expect(message.user).toMatchObject({ namespace: 'guest', subject: 'guest' });
    expect(message.content).toEqual({ hello: 'world' });
    // And through the caller's own binding to it.
    await okBody(t.call('PUT', '/namespaces/_/packages/my-utils', JSON.stringify({ binding: { namespace: 'whisk.system', name: 'utils' }, parameters: [{ key: 'via', value: 'binding' }] })));
    const bound = await invoke('/namespaces/_/actions/my-utils/echo', { hello: 'again' });
    expect(bound).toMatchObject({ action: { namespace: 'whisk.system/utils', name: 'echo' }, binding: 'guest/my-utils', content: { via: 'binding', hello: 'again' }, user: { namespace: 'guest' } });
    // The system namespace invoking its own package gets the activation itself.
    const own = await invoke('/namespaces/_/actions/utils/echo', {}, asSystem);
    expect(own.user.namespace).toBe('whisk.system');
  });

  it('refuses a payload that overrides a final parameter', async () => {
    await okBody(t.call('PUT', '/namespaces/_/actions/pi/fixed', action({ annotations: [{ key: 'final', value: true }], parameters: [{ key: 'mine', value: 1 }, { key: 'open', value: null }] })));
    await expectErrorAnswer(await t.call('POST', '/namespaces/_/actions/pi/fixed', '{"a":"x"}'), 400, 'Request defines parameters that are not allowed (e.g., reserved properties).');
    await expectErrorAnswer(await t.call('POST', '/namespaces/_/actions/pi/fixed', '{"mine":2}'), 400, 'Request defines parameters that are not allowed (e.g., reserved properties).');
    expect((await invoke('/namespaces/_/actions/pi/fixed', { open: 'ok', other: 1 })).content).toMatchObject({ open: 'ok', other: 1, mine: 1 });
  });

  it('validates the invoke query and body as the namespace route does', async () => {
    await expectErrorAnswer(await t.call('POST', '/namespaces/_/actions/pi/act?timeout=60001', '{}'), 400, 'Timeout must be number of milliseconds up to 60000.');
    await expectErrorAnswer(await t.call('POST', '/namespaces/_/actions/pi/act?blocking=sure', '{}'), 400, "The query parameter 'blocking' was malformed:\nThe query parameter 'blocking' must be 'true' or 'false', but was 'sure'.");
    await expectErrorAnswer(await t.call('POST', '/namespaces/_/actions/pi/act', '[1]'), 400, 'The request body must be a JSON object, but was an array.');
    expect((await t.call('POST', '/namespaces/_/actions/pi/act', 'x=1', { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await t.call('POST', '/namespaces/_/actions/pi/act', JSON.stringify({ big: 'y'.repeat(1024 * 1024) }))).status).toBe(413);
    await expectErrorAnswer(await t.call('POST', '/namespaces/_/actions/pi/none', '{}'), 404, 'The requested resource does not exist.');
    await expectErrorAnswer(await t.call('PATCH', '/namespaces/_/actions/pi/act', '{}'), 405, 'HTTP method not allowed, supported methods: GET, PUT, POST, DELETE');
  });

  it('never answers 5xx to hostile package and action segments', async () => {
    const segment = fc.oneof(fc.string({ minLength: 1, maxLength: 300 }), fc.constantFrom('_', 'pi', 'pi-bound', 'utils', 'act', 'echo', 'whisk.system', 'default', '..'));
    await fc.assert(
      fc.asyncProperty(segment, segment, segment, fc.constantFrom('GET', 'PUT', 'DELETE', 'POST'), async (namespace, pkg, name, method) => {
        const before = await entitySnapshot(t.stores.entities, 'guest', ['action', 'package']);
        const path = `/namespaces/${encodeURIComponent(namespace)}/actions/${encodeURIComponent(pkg)}/${encodeURIComponent(name)}`;
        // A body that no PUT accepts, so nothing may change; POSTs that resolve are accepted (202).
        const res = await t.call(method, path, method === 'PUT' ? '{"exec":{"kind":"nodejs:20"}}' : method === 'POST' ? '{}' : undefined);
        expect(res.status).toBeLessThan(500);
        if (method === 'PUT') expect(res.status).toBeGreaterThanOrEqual(400);
        if (method !== 'DELETE') expect(await entitySnapshot(t.stores.entities, 'guest', ['action', 'package'])).toEqual(before);
        const listing = await t.call('GET', `/namespaces/${encodeURIComponent(namespace)}/actions/${encodeURIComponent(pkg)}/`);
        expect(listing.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });
});
