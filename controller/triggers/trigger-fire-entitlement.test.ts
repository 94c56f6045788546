import { SYSTEM_AUTH } from '../../common/entities/credentials';
import type { TriggerDoc } from '../../common/entities/trigger';
import { startControllerUnderTest, type ControllerUnderTest } from '../../test/harness/controller-under-test';
import { expectErrorAnswer, okBody } from '../../test/harness/error-answer';
import { startStandInInvoker, type StandInInvoker } from '../../test/harness/stand-in-invoker';

// A rule is entitled when its trigger fires, not only when it is saved: its action is resolved
// again as the rule's namespace (guest here) may see it. Another namespace (whisk.system, the
// harness's second one) unpublishing its package, a binding deleted or never owned, or the
// action gone each stop the rule; the trigger's record says why, and the trigger's other
// rules still run. The stand-in invoker shows exactly which actions were sent.

const prefix = `unit-fe-${process.pid}-${Date.now().toString(36)}`;
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
const action = (parameters: unknown[] = []) => JSON.stringify({ exec: { kind: 'nodejs:20', code: 'function main(p){return p}' }, parameters });
/** The provider namespace, another tenant than the rule's. */
const asSystem: ControllerUnderTest['call'] = (...args) => t.callAs(SYSTEM_AUTH, ...args);


/** Fires `trigger` and answers its record's per-rule lines by rule, and the actions the invoker was sent for it. */
async function fire(trigger: string): Promise<{ lines: Record<string, Json>; sent: string[] }> {
  const res = await t.call('POST', `/namespaces/_/triggers/${trigger}`, '{}');
  expect(res.status).toBe(202);
  const { activationId } = await json<{ activationId: string }>(res);
  const record = await json<{ logs: string[] }>(await t.call('GET', `/namespaces/_/activations/${activationId}`));
  const lines = Object.fromEntries(record.logs.map((l) => JSON.parse(l) as Json).map((l) => [String(l.rule), l]));
  // Every invoked line names an activation id that was sent; nothing else was.
  const invoked = Object.values(lines).filter((l) => l.success === true).length;
  const sent = invoker.sent.filter((m) => m.cause === activationId);
  expect(sent).toHaveLength(invoked);
  return { lines, sent: sent.map((m) => `${m.action.namespace}/${m.action.name}`) };
}

const refused = (rule: string, act: string) => ({
  statusCode: 1,
  success: false,
  error: `Rule '${rule}' is not entitled to run action '${act}', it was not activated.`,
  rule,
  action: act,
});

describe('rules are entitled when their trigger fires', () => {
  it("stops running another namespace's action once its package is unpublished, and still runs the trigger's other rules", async () => {
    await okBody(asSystem('PUT', '/namespaces/_/packages/fe-pub', JSON.stringify({ publish: true })));
    await okBody(asSystem('PUT', '/namespaces/_/actions/fe-pub/act', action()));
    await okBody(t.call('PUT', '/namespaces/_/actions/fe-own', action()));
    await okBody(t.call('PUT', '/namespaces/_/triggers/fe-t1', '{}'));
    await okBody(t.call('PUT', '/namespaces/_/rules/fe-foreign', JSON.stringify({ trigger: 'fe-t1', action: '/whisk.system/fe-pub/act' })));
    await okBody(t.call('PUT', '/namespaces/_/rules/fe-own-r', JSON.stringify({ trigger: 'fe-t1', action: 'fe-own' })));

    const before = await fire('fe-t1');
    expect(before.sent.sort()).toEqual(['guest/fe-own', 'whisk.system/fe-pub/act']);
    expect(before.lines['guest/fe-foreign']).toMatchObject({ statusCode: 0, success: true });

    await okBody(asSystem('PUT', '/namespaces/_/packages/fe-pub?overwrite=true', JSON.stringify({ publish: false })));
    const after = await fire('fe-t1');
    expect(after.lines['guest/fe-foreign']).toEqual(refused('guest/fe-foreign', 'whisk.system/fe-pub/act'));
    expect(after.lines['guest/fe-own-r']).toMatchObject({ statusCode: 0, success: true });
    expect(after.sent).toEqual(['guest/fe-own']);

    // Published again, the same rule runs again: nothing about the rule itself changed.
    await okBody(asSystem('PUT', '/namespaces/_/packages/fe-pub?overwrite=true', JSON.stringify({ publish: true })));
    expect((await fire('fe-t1')).sent.sort()).toEqual(['guest/fe-own', 'whisk.system/fe-pub/act']);
  });

  it("stops a rule through the rule namespace's own binding once the bound package is unpublished, or the binding is deleted", async () => {
    await okBody(asSystem('PUT', '/namespaces/_/packages/fe-lib', JSON.stringify({ publish: true, parameters: [{ key: 'from', value: 'package' }] })));
    await okBody(asSystem('PUT', '/namespaces/_/actions/fe-lib/act', action()));
    await okBody(t.call('PUT', '/namespaces/_/packages/fe-bnd', JSON.stringify({ binding: { namespace: 'whisk.system', name: 'fe-lib' }, parameters: [{ key: 'mine', value: 1 }] })));
    await okBody(t.call('PUT', '/namespaces/_/triggers/fe-t2', '{}'));
    await okBody(t.call('PUT', '/namespaces/_/rules/fe-via-bnd', JSON.stringify({ trigger: 'fe-t2', action: '/_/fe-bnd/act' })));

    const first = await fire('fe-t2');
    expect(first.sent).toEqual(['whisk.system/fe-lib/act']);
    const message = invoker.sent.find((m) => m.activationId === first.lines['guest/fe-via-bnd']!.activationId);
    expect(message?.content).toMatchObject({ from: 'package', mine: 1 });

    await okBody(asSystem('PUT', '/namespaces/_/packages/fe-lib?overwrite=true', JSON.stringify({ publish: false })));
    const unpublished = await fire('fe-t2');
    expect(unpublished.lines['guest/fe-via-bnd']).toEqual(refused('guest/fe-via-bnd', 'guest/fe-bnd/act'));
    expect(unpublished.sent).toEqual([]);

    await okBody(asSystem('PUT', '/namespaces/_/packages/fe-lib?overwrite=true', JSON.stringify({ publish: true })));
    expect((await fire('fe-t2')).sent).toEqual(['whisk.system/fe-lib/act']);
    await okBody(t.call('DELETE', '/namespaces/_/packages/fe-bnd'));
    const deleted = await fire('fe-t2');
    expect(deleted.lines['guest/fe-via-bnd']).toEqual({ statusCode: 1, success: false, error: 'The requested resource does not exist.', rule: 'guest/fe-via-bnd', action: 'guest/fe-bnd/act' });
    expect(deleted.sent).toEqual([]);
  });

  it("never runs an action through another namespace's binding, even a published one: refused when saved and when fired", async () => {
    await okBody(asSystem('PUT', '/namespaces/_/packages/fe-secret-lib', JSON.stringify({ publish: true })));
    await okBody(asSystem('PUT', '/namespaces/_/actions/fe-secret-lib/act', action()));
    await okBody(asSystem('PUT', '/namespaces/_/packages/fe-their-bnd', JSON.stringify({ publish: true, binding: { namespace: '_', name: 'fe-secret-lib' }, parameters: [{ key: 'token', value: 'theirs' }] })));
    await okBody(t.call('PUT', '/namespaces/_/triggers/fe-t3', '{}'));
    await okBody(t.call('PUT', '/namespaces/_/actions/fe-other', action()));
    await okBody(t.call('PUT', '/namespaces/_/rules/fe-other-r', JSON.stringify({ trigger: 'fe-t3', action: 'fe-other' })));

    await expectErrorAnswer(
      await t.call('PUT', '/namespaces/_/rules/fe-their-bnd', JSON.stringify({ trigger: 'fe-t3', action: '/whisk.system/fe-their-bnd/act' })),
      403,
      "The supplied authentication is not authorized to access 'whisk.system/fe-their-bnd/act'.",
    );
    expect((await t.call('GET', '/namespaces/_/rules/fe-their-bnd')).status).toBe(404);

    // A link saved before this check existed is refused when the trigger fires.
    const stored = await t.stores.entities.get<TriggerDoc>('guest', 'fe-t3');
    const rules = { ...stored!.doc.rules, 'guest/fe-their-bnd': { action: { path: 'whisk.system/fe-their-bnd', name: 'act' }, status: 'active' as const } };
    expect((await t.stores.entities.put('guest', 'fe-t3', { ...stored!.doc, rules }, stored!.revision)).ok).toBe(true);
    const fired = await fire('fe-t3');
    expect(fired.lines['guest/fe-their-bnd']).toEqual(refused('guest/fe-their-bnd', 'whisk.system/fe-their-bnd/act'));
    expect(fired.sent).toEqual(['guest/fe-other']);
    expect(invoker.sent.some((m) => JSON.stringify(m.content).includes('theirs'))).toBe(false);
  });

  it("refuses another namespace's action outside any package, and a private package, when fired", async () => {
    await okBody(asSystem('PUT', '/namespaces/_/actions/fe-loose', action()));
    await okBody(asSystem('PUT', '/namespaces/_/packages/fe-private', '{}'));
    await okBody(asSystem('PUT', '/namespaces/_/actions/fe-private/act', action()));
    await okBody(t.call('PUT', '/namespaces/_/triggers/fe-t4', '{}'));
    const stored = await t.stores.entities.get<TriggerDoc>('guest', 'fe-t4');
    const rules = {
      'guest/fe-loose': { action: { path: 'whisk.system', name: 'fe-loose' }, status: 'active' as const },
      'guest/fe-private': { action: { path: 'whisk.system/fe-private', name: 'act' }, status: 'active' as const },
    };
    expect((await t.stores.entities.put('guest', 'fe-t4', { ...stored!.doc, rules }, stored!.revision)).ok).toBe(true);
    const fired = await fire('fe-t4');
    expect(fired.lines).toEqual({
      'guest/fe-loose': refused('guest/fe-loose', 'whisk.system/fe-loose'),
      'guest/fe-private': refused('guest/fe-private', 'whisk.system/fe-private/act'),
    });
    expect(fired.sent).toEqual([]);
  });
});
