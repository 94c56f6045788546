import { randomBytes } from 'node:crypto';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { startControllerUnderTest, type ControllerUnderTest } from '../../test/harness/controller-under-test';
import { errorOf } from '../../test/harness/error-answer';
import { describeWebActions } from '../../test/e2e/web-actions.suite';
import { IdentityRecords } from '../identity/identity-records';
import { publishIdentityChange } from '../identity/identity-change-listener';

// The web actions suite in one process: a controller on the standalone adapters and an invoker
// running process containers. The e2e file runs the same suite on both built profiles. Here also
// what needs the store at hand: throttles charged to the action's owner.

jest.setTimeout(60_000);

let t: ControllerUnderTest | undefined;

beforeAll(async () => {
  t = await startControllerUnderTest(`wisp-test-web-${randomBytes(4).toString('hex')}`, { processInvoker: true });
});

afterAll(async () => {
  await t?.stop();
});

describe('web actions on the in-process controller', () => {
  describeWebActions(() => ({ apihost: t!.controller.url, auth: GUEST_AUTH }));
});

/** Rate windows are calendar minutes: a test counting within one must not straddle two. */
async function awayFromMinuteBoundary(marginMs = 10_000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

describe('web actions and throttles', () => {
  it("charges the owner namespace's throttles, whoever calls, and records the activation there", async () => {
    const records = new IdentityRecords({ store: t!.stores.entities, onChange: (change) => publishIdentityChange(t!.signals, t!.naming, change) });
    const owner = `webowner-${randomBytes(3).toString('hex')}`;
    const auth = await records.createUser(owner);
    await records.setLimits(owner, { invocationsPerMinute: 2 });
    await t!.signals.flush();
    const action = { exec: { kind: 'nodejs:20', code: 'function main() { return { ok: true }; }' }, annotations: [{ key: 'web-export', value: true }] };
    expect((await t!.callAs(auth, 'PUT', '/namespaces/_/actions/hook', JSON.stringify(action))).status).toBe(200);
    await awayFromMinuteBoundary();
    const web = (headers: Record<string, string> = {}) => fetch(`${t!.controller.url}/api/v1/web/${owner}/default/hook.json`, { headers });
    const first = await web();
    expect(first.status).toBe(200);
    expect((await web({ Authorization: `Basic ${Buffer.from(GUEST_AUTH).toString('base64')}` })).status).toBe(200);
    expect(await errorOf(await web())).toEqual({ status: 429, error: 'Too many requests in the last minute (count: 3, allowed: 2).' });
    expect(await errorOf(await web({ Authorization: `Basic ${Buffer.from(GUEST_AUTH).toString('base64')}` }))).toEqual({ status: 429, error: 'Too many requests in the last minute (count: 4, allowed: 2).' });
    // The caller's own namespace was not charged.
    expect((await t!.call('PUT', '/namespaces/_/actions/mine', JSON.stringify(action))).status).toBe(200);
    expect((await t!.call('POST', '/namespaces/_/actions/mine?blocking=true', '{}')).status).toBe(200);
    const id = first.headers.get('x-openwhisk-activation-id')!;
    const record = (await (await t!.callAs(auth, 'GET', `/namespaces/_/activations/${id}`)).json()) as Record<string, unknown>;
    expect(record).toMatchObject({ namespace: owner, name: 'hook', response: { success: true } });
    expect((await t!.call('GET', `/namespaces/_/activations/${id}`)).status).toBe(404);
  });
});
