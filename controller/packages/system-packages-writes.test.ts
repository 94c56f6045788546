import { GUEST_AUTH, SYSTEM_AUTH } from '../../common/entities/credentials';
import { startControllerUnderTest, type ControllerUnderTest } from '../../test/harness/controller-under-test';
import { IdentityRecords } from '../identity/identity-records';
import { SYSTEM_NAMESPACE } from './system-packages';

// /whisk.system/* is written by whisk.system's own keys only. Nothing marks the namespace as
// special: every write route checks that the key's namespace is the one in the path (packages,
// actions in packages, loose actions, triggers, rules), so the guest key and any other tenant's
// key get 403 on every verb and spelling tried here, and the store is unchanged after; the
// whisk.system key (bootstrapped from WISP_SYSTEM_AUTH, or one an operator issues for the
// namespace) still writes.

const prefix = `unit-spw-${process.pid}-${Date.now().toString(36)}`;
let t: ControllerUnderTest;
let tenant: string;

beforeAll(async () => {
  t = await startControllerUnderTest(prefix);
  tenant = await new IdentityRecords({ store: t.stores.entities }).createUser(`spw${process.pid}`);
});

afterAll(async () => {
  await t?.stop();
});

const action = JSON.stringify({ exec: { kind: 'nodejs:20', code: 'function main(){return {pwned: true}}' } });

/** Every package and action document of whisk.system with its revision. */
async function systemSnapshot(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const type of ['package', 'action', 'trigger', 'rule'] as const) {
    for (const stored of await t.stores.entities.list<{ entityType: 'package' | 'action' | 'trigger' | 'rule'; namespace: string; name: string }>(SYSTEM_NAMESPACE, type, { skip: 0, limit: 1000 })) {
      out[`${type}:${stored.doc.namespace}/${stored.doc.name}`] = stored;
    }
  }
  return out;
}

/** Each write and its answer: 403 where the route gets as far as the namespace; a name with an encoded slash is refused first (400), and POST is no package operation (405). */
const WRITES: ReadonlyArray<readonly [method: string, path: string, body: string | undefined, status: number]> = [
  ['PUT', '/namespaces/whisk.system/packages/utils?overwrite=true', JSON.stringify({ publish: false }), 403],
  ['PUT', '/namespaces/whisk.system/packages/utils?overwrite=true', JSON.stringify({ binding: { namespace: 'guest', name: 'x' } }), 403],
  ['PUT', '/namespaces/whisk.system/packages/fresh', '{}', 403],
  ['DELETE', '/namespaces/whisk.system/packages/utils', undefined, 403],
  ['DELETE', '/namespaces/whisk.system/packages/utils?force=true', undefined, 403],
  ['PUT', '/namespaces/whisk.system/actions/utils/echo?overwrite=true', action, 403],
  ['PUT', '/namespaces/whisk.system/actions/utils/fresh', action, 403],
  ['DELETE', '/namespaces/whisk.system/actions/utils/echo', undefined, 403],
  ['PUT', '/namespaces/whisk.system/actions/utils%2Fecho?overwrite=true', action, 400],
  ['DELETE', '/namespaces/whisk.system/actions/utils%2Fecho', undefined, 400],
  ['PUT', '/namespaces/whisk.system/actions/fresh', action, 403],
  ['PUT', '/namespaces/whisk.system/triggers/fresh', '{}', 403],
  ['PUT', '/namespaces/whisk.system/rules/fresh', JSON.stringify({ trigger: '/whisk.system/fresh', action: '/whisk.system/utils/echo' }), 403],
  ['PUT', '/namespaces/whisk%2Esystem/packages/utils?overwrite=true', JSON.stringify({ publish: false }), 403],
  ['POST', '/namespaces/whisk.system/packages/utils', '{}', 405],
];

describe('/whisk.system packages', () => {
  it.each([
    ['the guest key', () => GUEST_AUTH],
    ["another tenant's key", () => tenant],
  ])('refuses every write with %s and leaves them intact', async (_who, auth) => {
    const before = await systemSnapshot();
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['package:whisk.system/utils', 'action:whisk.system/utils/echo']));
    for (const [method, path, body, status] of WRITES) {
      const res = await t.callAs(auth(), method, path, body);
      await res.body?.cancel();
      expect({ method, path, status: res.status }).toEqual({ method, path, status });
    }
    expect(await systemSnapshot()).toEqual(before);
    // The caller's own namespace was not written in their place either.
    expect((await t.callAs(auth(), 'GET', '/namespaces/_/packages/fresh')).status).toBe(404);
  });

  it('still lets the whisk.system key write them', async () => {
    const asSystem = (method: string, path: string, body?: string) => t.callAs(SYSTEM_AUTH, method, path, body);
    expect((await asSystem('PUT', '/namespaces/_/actions/utils/spw-added', action)).status).toBe(200);
    expect((await asSystem('PUT', '/namespaces/whisk.system/packages/utils?overwrite=true', JSON.stringify({ annotations: [{ key: 'description', value: 'changed by its owner' }] }))).status).toBe(200);
    expect((await asSystem('DELETE', '/namespaces/_/actions/utils/spw-added')).status).toBe(200);
  });
});
