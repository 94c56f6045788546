import { GUEST_AUTH } from '../../common/entities/credentials';
import { REGISTRATIONS_NAMESPACE, unsealAuth, type RegistrationDoc } from '../../common/feeds/registration';
import { fireActivationId } from '../triggers/trigger-fire-service';
import { eventually } from '../../test/harness/eventually';
import { startControllerUnderTest, type ControllerUnderTest } from '../../test/harness/controller-under-test';
import { errorOf, okBody } from '../../test/harness/error-answer';
import { TEST_MESSAGE_KEY } from '../../test/harness/message-key';
import { startStandInInvoker, type StandInInvoker } from '../../test/harness/stand-in-invoker';

// The registration route the alarms feed actions call (ADR 0017), and the fire id that makes a
// feed's retried tick fire its trigger once.

const prefix = `unit-feedreg-${process.pid}-${Date.now().toString(36)}`;
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

const registration = (trigger: string) => `/namespaces/_/triggers/${trigger}/registration`;
const stored = async (trigger: string) => (await t.stores.entities.get<RegistrationDoc>(REGISTRATIONS_NAMESPACE, `guest/${trigger}`))?.doc;

describe('the feed registration route', () => {
  it('CREATE, READ, UPDATE and DELETE an alarm, keeping the key sealed at rest', async () => {
    await okBody(t.call('PUT', '/namespaces/_/triggers/reg-alarm', '{}'));
    const created = await okBody(t.call('POST', registration('reg-alarm'), JSON.stringify({ feed: 'alarm', cron: '*/5 * * * * *', trigger_payload: 'tick' })));
    expect(created).toMatchObject({ config: { name: 'reg-alarm', namespace: 'guest', feed: 'alarm', cron: '*/5 * * * * *', payload: { payload: 'tick' } }, status: { active: true } });

    const doc = await stored('reg-alarm');
    expect(JSON.stringify(doc)).not.toContain(GUEST_AUTH.split(':')[1]);
    expect(unsealAuth(TEST_MESSAGE_KEY, doc!)).toBe(GUEST_AUTH);

    const read = await okBody(t.call('GET', registration('reg-alarm')));
    expect(read).toEqual({ config: created.config, status: { active: true, dateChanged: expect.any(Number), dateChangedISO: expect.any(String) } });

    const updated = await okBody(t.call('PUT', registration('reg-alarm'), JSON.stringify({ cron: '0 * * * *', timezone: 'Europe/Berlin' })));
    expect(updated).toMatchObject({ config: { cron: '0 * * * *', timezone: 'Europe/Berlin', payload: { payload: 'tick' } }, status: { active: true } });

    expect(await errorOf(await t.call('POST', registration('reg-alarm'), JSON.stringify({ feed: 'alarm', cron: '* * * * *' })))).toEqual({
      status: 409,
      error: 'trigger /guest/reg-alarm already has an active feed registration; delete it first',
    });

    await okBody(t.call('DELETE', registration('reg-alarm')));
    expect(await stored('reg-alarm')).toBeUndefined();
    expect(await errorOf(await t.call('GET', registration('reg-alarm')))).toEqual({ status: 404, error: 'trigger /guest/reg-alarm has no feed registration' });
    expect((await t.call('DELETE', registration('reg-alarm'))).status).toBe(404);
  });

  it('PAUSE keeps the registration inactive with its reason; UNPAUSE resumes it from now', async () => {
    await okBody(t.call('PUT', '/namespaces/_/triggers/reg-pause', '{}'));
    await okBody(t.call('POST', registration('reg-pause'), JSON.stringify({ feed: 'interval', minutes: 10 })));
    const paused = await okBody(t.call('POST', `${registration('reg-pause')}/paused`));
    expect(paused.status).toMatchObject({ active: false, reason: { kind: 'USER', message: 'Paused by the feed lifecycle event PAUSE' } });
    expect((await stored('reg-pause'))?.status.active).toBe(false);
    const before = Date.now();
    const resumed = await okBody(t.call('POST', `${registration('reg-pause')}/active`));
    expect(resumed.status).toEqual({ active: true, dateChanged: expect.any(Number), dateChangedISO: expect.any(String) });
    expect((await stored('reg-pause'))?.lastTick).toBeGreaterThanOrEqual(before);
    expect((await t.call('POST', `${registration('reg-nothing')}/paused`)).status).toBe(404);
  });

  it('refuses bad parameters with a 400 that names them, and stores nothing', async () => {
    await okBody(t.call('PUT', '/namespaces/_/triggers/reg-bad', '{}'));
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ feed: 'alarm', cron: '61 * * * *' }, /^cron pattern string '61 \* \* \* \*' is not valid/],
      [{ feed: 'alarm', cron: '* * * * *', startDate: 'tomorrow-ish' }, /startDate parameter string 'tomorrow-ish' is not a valid Date/],
      [{ feed: 'alarm', cron: '* * * * *', startDate: '2099-01-02T00:00:00Z', stopDate: '2099-01-01T00:00:00Z' }, /must be greater than the startDate/],
      [{ feed: 'interval', minutes: 0 }, /minutes parameter must be an integer greater than zero/],
      [{ feed: 'once', date: '2001-01-01T00:00:00Z' }, /must be in the future/],
      [{ feed: 'hourly' }, /'feed' must be one of/],
    ];
    for (const [body, message] of cases) {
      const answer = await errorOf(await t.call('POST', registration('reg-bad'), JSON.stringify(body)));
      expect(answer.status).toBe(400);
      expect(answer.error).toMatch(message);
    }
    expect(await stored('reg-bad')).toBeUndefined();
  });

  it('answers 404 for a trigger that does not exist, and 403 for another namespace', async () => {
    expect(await errorOf(await t.call('POST', registration('reg-nobody'), JSON.stringify({ feed: 'alarm', cron: '* * * * *' })))).toEqual({ status: 404, error: 'trigger /guest/reg-nobody does not exist' });
    expect((await t.call('POST', '/namespaces/whisk.system/triggers/x/registration', JSON.stringify({ feed: 'alarm', cron: '* * * * *' }))).status).toBe(403);
  });
});

describe('a fire id', () => {
  it('fires the trigger once per id: the same id answers the first activation id and runs no rule again', async () => {
    await okBody(t.call('PUT', '/namespaces/_/actions/fid-act', JSON.stringify({ exec: { kind: 'nodejs:20', code: 'function main(p){return p}' } })));
    await okBody(t.call('PUT', '/namespaces/_/triggers/fid-t', '{}'));
    await okBody(t.call('PUT', '/namespaces/_/rules/fid-r', JSON.stringify({ trigger: '/_/fid-t', action: '/_/fid-act' })));
    const fire = async (fireId?: string) => {
      const res = await t.call('POST', '/namespaces/_/triggers/fid-t', '{}', fireId ? { 'x-wisp-fire-id': fireId } : {});
      expect(res.status).toBe(202);
      return ((await res.json()) as { activationId: string }).activationId;
    };
    const first = await fire('abc-1000');
    expect(await fire('abc-1000')).toBe(first);
    const other = await fire('abc-2000');
    expect(other).not.toBe(first);
    const plain = await fire();
    const sentFor = (id: string) => invoker.sent.filter((m) => m.cause === id).length;
    expect([sentFor(first), sentFor(other), sentFor(plain)]).toEqual([1, 1, 1]);
    const record = await okBody(t.call('GET', `/namespaces/_/activations/${first}`));
    expect(record.annotations).toEqual([{ key: 'fireId', value: 'abc-1000' }]);
    expect((await t.call('POST', '/namespaces/_/triggers/fid-t', '{}', { 'x-wisp-fire-id': 'no spaces allowed' })).status).toBe(400);
  });

  it('a fire id whose controller died before dispatching the rules is answered 409 (retried), then runs the rules once the pending claim lapses', async () => {
    await okBody(t.call('PUT', '/namespaces/_/actions/fid-act2', JSON.stringify({ exec: { kind: 'nodejs:20', code: 'function main(p){return p}' } })));
    await okBody(t.call('PUT', '/namespaces/_/triggers/fid-t2', '{}'));
    await okBody(t.call('PUT', '/namespaces/_/rules/fid-r2', JSON.stringify({ trigger: '/_/fid-t2', action: '/_/fid-act2' })));
    const id = fireActivationId('guest', 'fid-t2', 'crashed-1');
    // What a controller killed between the claim and the dispatch leaves behind.
    expect(await t.stores.activations.claim(id, 'trigger-fire-pending:dead', 300)).toMatchObject({ granted: true });
    const retried = await t.call('POST', '/namespaces/_/triggers/fid-t2', '{}', { 'x-wisp-fire-id': 'crashed-1' });
    expect(await errorOf(retried)).toEqual({ status: 409, error: "a fire with id 'crashed-1' is being dispatched; try again shortly" });
    expect(invoker.sent.filter((m) => m.cause === id)).toHaveLength(0);
    const fired = await eventually(async () => {
      const res = await t.call('POST', '/namespaces/_/triggers/fid-t2', '{}', { 'x-wisp-fire-id': 'crashed-1' });
      return res.status === 202 ? ((await res.json()) as { activationId: string }).activationId : undefined;
    }, 10_000, 50);
    expect(fired).toBe(id);
    // Dispatched: from now on the id answers "fired" and never runs the rules again.
    expect((await t.call('POST', '/namespaces/_/triggers/fid-t2', '{}', { 'x-wisp-fire-id': 'crashed-1' })).status).toBe(202);
    expect(invoker.sent.filter((m) => m.cause === id)).toHaveLength(1);
  });
});
