import fc from 'fast-check';
import { entitySnapshot } from '../../test/harness/entity-snapshot';
import { eventually } from '../../test/harness/eventually';
import { startControllerUnderTest, type ControllerUnderTest } from '../../test/harness/controller-under-test';
import { expectErrorAnswer } from '../../test/harness/error-answer';
import { startStandInInvoker, type StandInInvoker } from '../../test/harness/stand-in-invoker';

// Triggers over HTTP on the standalone adapters: CRUD, bad input, and firing. The invoker side
// is played by heartbeats on the memory signal bus and a consumer of the invoker's topic, so the
// test reads exactly the activation messages a fire sends.

const prefix = `unit-triggers-${process.pid}-${Date.now().toString(36)}`;
let t: ControllerUnderTest;
let invoker: StandInInvoker;

beforeAll(async () => {
  t = await startControllerUnderTest(prefix);
  invoker = await startStandInInvoker(t);
});

afterAll(async () => {
  await invoker.stop();
  await t.stop();
});

const json = async <T = Record<string, unknown>>(res: Response): Promise<T> => (await res.json()) as T;
const action = (code = 'function main(p){return p}', parameters: unknown[] = []) => JSON.stringify({ exec: { kind: 'nodejs:20', code }, parameters });

async function invokerUp(): Promise<void> {
  invoker.beat();
  await eventually(async () => (t.controller.registry.invokers().some((i) => i.state === 'up') ? true : undefined), 10_000, 10);
}

describe('trigger CRUD', () => {
  it('creates, reads, updates keeping what was not given, and deletes', async () => {
    const created = await t.call('PUT', '/namespaces/_/triggers/crud', JSON.stringify({ parameters: [{ key: 'a', value: 1 }], annotations: [{ key: 'feed', value: '/whisk.system/alarms/alarm' }], limits: { x: 1 }, rules: { bogus: 1 } }));
    expect(created.status).toBe(200);
    expect(await json(created)).toEqual({
      namespace: 'guest',
      name: 'crud',
      version: '0.0.1',
      publish: false,
      parameters: [{ key: 'a', value: 1 }],
      limits: {},
      annotations: [{ key: 'feed', value: '/whisk.system/alarms/alarm' }],
      updated: expect.any(Number),
    });
    const again = await t.call('PUT', '/namespaces/_/triggers/crud', '{}');
    expect(again.status).toBe(409);
    expect((await json(again)).error).toBe('resource already exists');
    const updated = await json(await t.call('PUT', '/namespaces/guest/triggers/crud?overwrite=true', JSON.stringify({ publish: true })));
    expect(updated).toMatchObject({ version: '0.0.2', publish: true, parameters: [{ key: 'a', value: 1 }], annotations: [{ key: 'feed', value: '/whisk.system/alarms/alarm' }] });
    expect(await json(await t.call('GET', '/namespaces/_/triggers/crud'))).toEqual(updated);
    const deleted = await t.call('DELETE', '/namespaces/_/triggers/crud');
    expect(deleted.status).toBe(200);
    expect(await json(deleted)).toEqual(updated);
    expect((await t.call('GET', '/namespaces/_/triggers/crud')).status).toBe(404);
    expect((await t.call('DELETE', '/namespaces/_/triggers/crud')).status).toBe(404);
  });

  it('lists summaries without parameters, newest first, with skip, limit and count', async () => {
    for (const name of ['list-a', 'list-b', 'list-c']) expect((await t.call('PUT', `/namespaces/_/triggers/${name}`, JSON.stringify({ parameters: [{ key: 'secret', value: 1 }] }))).status).toBe(200);
    const all = await json<Array<Record<string, unknown>>>(await t.call('GET', '/namespaces/_/triggers?limit=0'));
    const listed = all.filter((x) => String(x.name).startsWith('list-'));
    expect(listed.map((x) => x.name)).toEqual(['list-c', 'list-b', 'list-a']);
    expect(Object.keys(listed[0]!).sort()).toEqual(['annotations', 'name', 'namespace', 'publish', 'updated', 'version']);
    const { triggers: count } = await json<{ triggers: number }>(await t.call('GET', '/namespaces/_/triggers?count=true'));
    expect(count).toBe(all.length);
    const page = await json<unknown[]>(await t.call('GET', `/namespaces/_/triggers?limit=1&skip=1`));
    expect(page).toEqual([all[1]]);
  });

  it('refuses a name held by an action with 409, both ways', async () => {
    expect((await t.call('PUT', '/namespaces/_/actions/clash', action())).status).toBe(200);
    for (const [method, body] of [['PUT', '{}'], ['GET', undefined], ['DELETE', undefined], ['POST', '{}']] as const) {
      const res = await t.call(method, '/namespaces/_/triggers/clash', body);
      expect(res.status).toBe(409);
      expect((await json(res)).error).toBe('Resource by this name exists but is not in this collection.');
    }
    expect((await t.call('PUT', '/namespaces/_/triggers/clash2', '{}')).status).toBe(200);
    expect((await t.call('PUT', '/namespaces/_/actions/clash2?overwrite=true', action())).status).toBe(409);
    expect((await t.call('GET', '/namespaces/_/actions/clash2')).status).toBe(409);
  });

  it.each([
    ['PUT', '/namespaces/_/triggers/feedbad', JSON.stringify({ annotations: [{ key: 'feed', value: 'not//valid' }] }), 400, 'Feed name is not valid'],
    ['PUT', '/namespaces/_/triggers/parambad', JSON.stringify({ parameters: { a: 1 } }), 400, "The request content was malformed:\n'parameters' must be an array of {key, value}, but was an object."],
    ['PUT', '/namespaces/_/triggers/arr', '[1]', 400, 'The request body must be a JSON object, but was an array.'],
    ['PUT', '/namespaces/_/triggers/x?overwrite=yes', '{}', 400, "The query parameter 'overwrite' was malformed:\nThe query parameter 'overwrite' must be 'true' or 'false', but was 'yes'."],
    ['PUT', '/namespaces/_/triggers/-bad', '{}', 400, 'The name of the entity contains illegal characters.'],
    ['GET', '/namespaces/_/triggers?limit=201', undefined, 400, "The value '201' is not in the range of 0 to 200 for triggers."],
    ['GET', '/namespaces/_/triggers?skip=-1', undefined, 400, "The value '-1' is not greater than or equal to 0 for triggers."],
    ['GET', '/namespaces/other/triggers', undefined, 403, "The supplied authentication is not authorized to access 'other/triggers'."],
    ['GET', '/namespaces/other/triggers/x', undefined, 403, "The supplied authentication is not authorized to access 'other/x'."],
    ['GET', '/namespaces/_/triggers/missing', undefined, 404, 'The requested resource does not exist.'],
    ['POST', '/namespaces/_/triggers/missing', '{}', 404, 'The requested resource does not exist.'],
    ['POST', '/namespaces/_/triggers/missing', '"x"', 400, "The request body must be a JSON object, but was string 'x'."],
    ['PUT', '/namespaces/_/triggers', '{}', 405, 'HTTP method not allowed, supported methods: GET, PUT, POST, DELETE'],
    ['PATCH', '/namespaces/_/triggers/x', '{}', 405, 'HTTP method not allowed, supported methods: GET, PUT, POST, DELETE'],
  ])('%s %s with %s answers %i', async (method, path, body, status, message) => {
    await expectErrorAnswer(await t.call(method, path, body), status, message);
    expect((await t.call('GET', '/namespaces/_/triggers/feedbad')).status).toBe(404);
  });

  it('answers 401 without credentials, 415 for a non-JSON body and 413 past the fire body limit', async () => {
    const anonymous = await fetch(`${t.controller.url}/api/v1/namespaces/_/triggers`);
    expect(anonymous.status).toBe(401);
    expect((await t.call('PUT', '/namespaces/_/triggers/sized', '{}')).status).toBe(200);
    expect((await t.call('POST', '/namespaces/_/triggers/sized', 'a=b', { 'Content-Type': 'text/plain' })).status).toBe(415);
    const big = await t.call('POST', '/namespaces/_/triggers/sized', JSON.stringify({ x: 'y'.repeat(1024 * 1024) }));
    expect(big.status).toBe(413);
    expect((await json(big)).error).toMatch(/^Request larger than allowed: \d+ > 1048576 bytes\.$/);
  });
});

describe('trigger fire', () => {
  const activationCount = async () => (await json<{ activations: number }>(await t.call('GET', '/namespaces/_/activations?count=true'))).activations;
  const record = async (id: string) => json<{ name: string; logs: string[]; response: unknown; end?: number; start: number; version: string }>(await t.call('GET', `/namespaces/_/activations/${id}`));

  it('answers 204 and records nothing without an active rule', async () => {
    expect((await t.call('PUT', '/namespaces/_/triggers/lonely', '{}')).status).toBe(200);
    const before = await activationCount();
    const res = await t.call('POST', '/namespaces/_/triggers/lonely', '{"a":1}');
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(await activationCount()).toBe(before);
  });

  it('records a whisk error for a rule when no invoker is healthy, and still answers 202', async () => {
    await t.call('PUT', '/namespaces/_/actions/nowhere-a', action());
    await t.call('PUT', '/namespaces/_/triggers/nowhere', '{}');
    expect((await t.call('PUT', '/namespaces/_/rules/nowhere-r', JSON.stringify({ trigger: '/_/nowhere', action: '/_/nowhere-a' }))).status).toBe(200);
    const res = await t.call('POST', '/namespaces/_/triggers/nowhere', '{}');
    expect(res.status).toBe(202);
    const { activationId } = await json<{ activationId: string }>(res);
    expect((await record(activationId)).logs.map((l) => JSON.parse(l) as unknown)).toEqual([
      { statusCode: 3, success: false, error: 'No invokers available', rule: 'guest/nowhere-r', action: 'guest/nowhere-a' },
    ]);
  });

  it('invokes every active rule non-blocking with merged parameters and the trigger activation as cause', async () => {
    await invokerUp();
    await t.call('PUT', '/namespaces/_/actions/fire-a', action(undefined, [{ key: 'level', value: 'action' }, { key: 'fromAction', value: true }]));
    await t.call('PUT', '/namespaces/_/actions/fire-b', action());
    await t.call('PUT', '/namespaces/_/triggers/fired', JSON.stringify({ parameters: [{ key: 'level', value: 'trigger' }, { key: 'fromTrigger', value: 1 }] }));
    for (const [rule, target] of [['fire-r1', 'fire-a'], ['fire-r2', 'fire-b'], ['fire-off', 'fire-b']]) {
      expect((await t.call('PUT', `/namespaces/_/rules/${rule}`, JSON.stringify({ trigger: '/_/fired', action: `/_/${target}` }))).status).toBe(200);
    }
    expect((await t.call('POST', '/namespaces/_/rules/fire-off', '{"status":"inactive"}')).status).toBe(200);

    const res = await t.call('POST', '/namespaces/_/triggers/fired', JSON.stringify({ level: 'payload', p: 2 }));
    expect(res.status).toBe(202);
    const body = await json<{ activationId: string }>(res);
    expect(Object.keys(body)).toEqual(['activationId']);
    expect(res.headers.get('x-openwhisk-activation-id')).toBe(body.activationId);

    const messages = await eventually(async () => {
      const mine = invoker.sent.filter((m) => m.cause === body.activationId);
      return mine.length === 2 ? mine : undefined;
    }, 10_000, 10);
    const byAction = Object.fromEntries(messages.map((m) => [m.action.name, m]));
    expect(byAction['fire-a']).toMatchObject({ blocking: false, action: { namespace: 'guest', name: 'fire-a' }, content: { level: 'payload', p: 2, fromTrigger: 1, fromAction: true } });
    expect(byAction['fire-b']?.content).toEqual({ level: 'payload', p: 2, fromTrigger: 1 });

    const stored = await record(body.activationId);
    expect(stored).toMatchObject({ name: 'fired', version: '0.0.1', response: { status: 'success', success: true, result: { level: 'payload', p: 2 } } });
    expect(stored.end).toBeUndefined();
    const logs = stored.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs).toEqual(
      expect.arrayContaining([
        { statusCode: 0, success: true, activationId: byAction['fire-a']!.activationId, rule: 'guest/fire-r1', action: 'guest/fire-a' },
        { statusCode: 0, success: true, activationId: byAction['fire-b']!.activationId, rule: 'guest/fire-r2', action: 'guest/fire-b' },
        { statusCode: 1, success: false, error: "Rule 'guest/fire-off' is inactive, action 'guest/fire-b' was not activated.", rule: 'guest/fire-off', action: 'guest/fire-b' },
      ]),
    );
    expect(logs).toHaveLength(3);
  });

  it('records the error of a rule whose action is gone while the others still fire', async () => {
    await invokerUp();
    await t.call('PUT', '/namespaces/_/actions/gone-a', action());
    await t.call('PUT', '/namespaces/_/actions/kept-a', action());
    await t.call('PUT', '/namespaces/_/triggers/partly', '{}');
    await t.call('PUT', '/namespaces/_/rules/gone-r', JSON.stringify({ trigger: '/_/partly', action: '/_/gone-a' }));
    await t.call('PUT', '/namespaces/_/rules/kept-r', JSON.stringify({ trigger: '/_/partly', action: '/_/kept-a' }));
    expect((await t.call('DELETE', '/namespaces/_/actions/gone-a')).status).toBe(200);
    const res = await t.call('POST', '/namespaces/_/triggers/partly');
    expect(res.status).toBe(202);
    const { activationId } = await json<{ activationId: string }>(res);
    const logs = (await record(activationId)).logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs).toEqual(
      expect.arrayContaining([
        { statusCode: 1, success: false, error: 'The requested resource does not exist.', rule: 'guest/gone-r', action: 'guest/gone-a' },
        expect.objectContaining({ statusCode: 0, rule: 'guest/kept-r', action: 'guest/kept-a' }),
      ]),
    );
    await eventually(async () => (invoker.sent.some((m) => m.cause === activationId && m.action.name === 'kept-a') ? true : undefined), 10_000, 10);
  });

  it('answers 204 once every rule is disabled, and fires again once one is enabled', async () => {
    await invokerUp();
    await t.call('PUT', '/namespaces/_/actions/toggle-a', action());
    await t.call('PUT', '/namespaces/_/triggers/toggle', '{}');
    await t.call('PUT', '/namespaces/_/rules/toggle-r', JSON.stringify({ trigger: 'toggle', action: 'toggle-a' }));
    expect((await t.call('POST', '/namespaces/_/rules/toggle-r', '{"status":"inactive"}')).status).toBe(200);
    expect((await t.call('POST', '/namespaces/_/triggers/toggle', '{}')).status).toBe(204);
    expect((await t.call('POST', '/namespaces/_/rules/toggle-r', '{"status":"active"}')).status).toBe(200);
    expect((await t.call('POST', '/namespaces/_/triggers/toggle', '{}')).status).toBe(202);
  });
});

describe('hostile input at the trigger routes', () => {
  it('never answers 5xx to hostile trigger bodies and leaves the store unchanged on rejection', async () => {
    expect((await t.call('PUT', '/namespaces/_/triggers/fuzzed', JSON.stringify({ parameters: [{ key: 'k', value: 1 }] }))).status).toBe(200);
    let before = await entitySnapshot(t.stores.entities, 'guest', ['trigger', 'rule', 'action']);
    const keyValues = fc.oneof(fc.anything(), fc.array(fc.record({ key: fc.oneof(fc.string(), fc.anything()), value: fc.anything(), init: fc.anything() }, { requiredKeys: [] })));
    const hostile = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ parameters: keyValues, annotations: fc.oneof(keyValues, fc.constant([{ key: 'feed', value: '//' }])), limits: fc.anything(), version: fc.anything(), publish: fc.anything(), rules: fc.anything() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(hostile, fc.boolean(), async (body, overwrite) => {
        const res = await t.call('PUT', `/namespaces/_/triggers/fuzzed?overwrite=${overwrite}`, body);
        expect(res.status).toBeLessThan(500);
        const answer = await json(res);
        const after = await entitySnapshot(t.stores.entities, 'guest', ['trigger', 'rule', 'action']);
        if (res.status >= 400) {
          expect(typeof answer.error).toBe('string');
          expect(answer.code).toBe(res.headers.get('x-request-id'));
          expect(after).toEqual(before);
        } else {
          before = after;
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never answers 5xx to hostile fire bodies', async () => {
    await invokerUp();
    await t.call('PUT', '/namespaces/_/actions/fuzz-fire-a', action());
    await t.call('PUT', '/namespaces/_/triggers/fuzz-fire', '{}');
    await t.call('PUT', '/namespaces/_/rules/fuzz-fire-r', JSON.stringify({ trigger: '/_/fuzz-fire', action: '/_/fuzz-fire-a' }));
    const before = await entitySnapshot(t.stores.entities, 'guest', ['trigger', 'rule', 'action']);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.dictionary(fc.string(), fc.anything()).map((v) => JSON.stringify(v))), async (body) => {
        const res = await t.call('POST', '/namespaces/_/triggers/fuzz-fire', body);
        expect(res.status).toBeLessThan(500);
        if (res.status === 202) expect(res.headers.get('x-openwhisk-activation-id')).toMatch(/^[0-9a-f]{32}$/);
      }),
      { numRuns: 100 },
    );
    expect(await entitySnapshot(t.stores.entities, 'guest', ['trigger', 'rule', 'action'])).toEqual(before);
  });

  it('never answers 5xx to hostile names and query strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 300 }), fc.string({ maxLength: 40 }), async (name, query) => {
        const path = `/namespaces/_/triggers/${encodeURIComponent(name)}?${encodeURIComponent(query)}=${encodeURIComponent(query)}`;
        for (const method of ['GET', 'DELETE', 'POST']) expect((await t.call(method, path, method === 'POST' ? '{}' : undefined)).status).toBeLessThan(500);
        const list = await t.call('GET', `/namespaces/_/triggers?${encodeURIComponent(query)}=${encodeURIComponent(name)}`);
        expect(list.status).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  });
});
