import { SYSTEM_AUTH } from '../../common/entities/credentials';
import { eventually } from '../../test/harness/eventually';
import { startControllerUnderTest, type ControllerUnderTest } from '../../test/harness/controller-under-test';
import { expectErrorAnswer, okBody } from '../../test/harness/error-answer';
import { startStandInInvoker, type StandInInvoker } from '../../test/harness/stand-in-invoker';

// A binding is usable as a sequence component only by the namespace that owns it, when the
// sequence is saved and every time it runs: its parameters never reach another namespace.
// guest is the tenant, whisk.system (the harness's second namespace) the other one. The
// stand-in invoker shows which component messages were sent, and with what. (A component that
// is sent is never answered by the stand-in, so every run here is one that must not send.)

const prefix = `unit-sb-${process.pid}-${Date.now().toString(36)}`;
let t: ControllerUnderTest;
let invoker: StandInInvoker;

beforeAll(async () => {
  t = await startControllerUnderTest(prefix);
  invoker = await startStandInInvoker(t, { beatEveryMs: 200 });
  await t.controller.registry.waitForHealthy(10_000);
});

afterAll(async () => {
  await invoker?.stop();
  await t?.stop();
});

type Json = Record<string, unknown>;
const json = async <T = Json>(res: Response): Promise<T> => (await res.json()) as T;
const action = JSON.stringify({ exec: { kind: 'nodejs:20', code: 'function main(p){return p}' } });
const sequence = (...components: string[]) => JSON.stringify({ exec: { kind: 'sequence', components } });
const asSystem: ControllerUnderTest['call'] = (...args) => t.callAs(SYSTEM_AUTH, ...args);


/** Invokes `path` non-blocking as guest and answers the sequence's record once it is written. */
async function runSequence(path: string): Promise<{ activationId: string; response: Json }> {
  const res = await t.call('POST', `/namespaces/${path}`, '{}');
  expect(res.status).toBe(202);
  const { activationId } = await json<{ activationId: string }>(res);
  return eventually(async () => {
    const got = await t.call('GET', `/namespaces/_/activations/${activationId}`);
    return got.status === 200 ? { activationId, response: (await json<{ response: Json }>(got)).response } : undefined;
  }, 10_000, 20);
}

const componentMissing = { status: 'application error', success: false, result: { error: 'Sequence component does not exist.' } };

beforeAll(async () => {
  // whisk.system: a public package, its own binding to it with a secret, and a public
  // package holding a sequence that goes through that binding.
  await okBody(asSystem('PUT', '/namespaces/_/packages/sb-lib', JSON.stringify({ publish: true, parameters: [{ key: 'from', value: 'package' }] })));
  await okBody(asSystem('PUT', '/namespaces/_/actions/sb-lib/act', action));
  await okBody(asSystem('PUT', '/namespaces/_/packages/sb-their-bnd', JSON.stringify({ publish: true, binding: { namespace: '_', name: 'sb-lib' }, parameters: [{ key: 'token', value: 'theirs' }] })));
  await okBody(asSystem('PUT', '/namespaces/_/packages/sb-tools', JSON.stringify({ publish: true })));
  await okBody(asSystem('PUT', '/namespaces/_/actions/sb-tools/via-bnd', sequence('/whisk.system/sb-their-bnd/act')));
});

describe('bindings as sequence components', () => {
  it("refuses another namespace's binding, even a published one, when a sequence is saved", async () => {
    await expectErrorAnswer(await t.call('PUT', '/namespaces/_/actions/sb-seq-theirs', sequence('/whisk.system/sb-their-bnd/act')), 403, "The supplied authentication is not authorized to access 'whisk.system/sb-their-bnd'.");
    expect((await t.call('GET', '/namespaces/_/actions/sb-seq-theirs')).status).toBe(404);
  });

  it("never runs another namespace's sequence through that namespace's binding for a caller who does not own it", async () => {
    const before = invoker.sent.length;
    expect((await runSequence('whisk.system/actions/sb-tools/via-bnd')).response).toEqual(componentMissing);
    expect(invoker.sent.slice(before).some((m) => JSON.stringify(m.content).includes('theirs'))).toBe(false);
    expect(invoker.sent.length).toBe(before);
  });

  it("saves a sequence through the caller's own binding, and stops it once the bound package is unpublished or the binding deleted", async () => {
    await okBody(t.call('PUT', '/namespaces/_/packages/sb-mine', JSON.stringify({ binding: { namespace: 'whisk.system', name: 'sb-lib' }, parameters: [{ key: 'mine', value: 1 }] })));
    await okBody(t.call('PUT', '/namespaces/_/actions/sb-seq-mine', sequence('/_/sb-mine/act')));
    await okBody(asSystem('PUT', '/namespaces/_/packages/sb-lib?overwrite=true', JSON.stringify({ publish: false })));
    const before = invoker.sent.length;
    expect((await runSequence('_/actions/sb-seq-mine')).response).toEqual(componentMissing);
    await okBody(asSystem('PUT', '/namespaces/_/packages/sb-lib?overwrite=true', JSON.stringify({ publish: true })));

    await okBody(t.call('DELETE', '/namespaces/_/packages/sb-mine'));
    expect((await runSequence('_/actions/sb-seq-mine')).response).toEqual(componentMissing);
    expect(invoker.sent.length).toBe(before);
  });
});
