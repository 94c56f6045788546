import { randomBytes } from 'node:crypto';
import type { ActivationRecord, StatusCode } from '../../common/entities/activation';
import { newActivationId } from '../../common/ids';
import { startControllerUnderTest, type ControllerUnderTest } from '../../test/harness/controller-under-test';
import { expectErrorAnswer, okBody } from '../../test/harness/error-answer';
import { encodeCursor } from '../http/activation-cursor';

// GET /namespaces/{ns}/activations over HTTP: OpenWhisk's answer unchanged for a client that
// sends none of the new parameters, the filters and cursor paging of ADR 0023, and the 400s.

let t: ControllerUnderTest;
const CAUSE = newActivationId();
let seeded: ActivationRecord[];

function seed(name: string, start: number, statusCode: StatusCode, startKind: string | undefined, duration: number, cause?: string, trigger?: string): ActivationRecord {
  return {
    namespace: 'guest',
    name,
    subject: 'guest',
    activationId: newActivationId(),
    start,
    end: start + duration,
    duration,
    ...(cause ? { cause } : {}),
    response: { statusCode, result: { n: start } },
    logs: ['2024-06-10T06:13:20.123456789Z stdout: hi'],
    version: '0.0.1',
    publish: false,
    annotations: [
      { key: 'path', value: `guest/${name}` },
      { key: 'kind', value: 'nodejs:20' },
      ...(startKind ? [{ key: 'startKind', value: startKind }] : []),
      ...(trigger ? [{ key: 'trigger', value: trigger }] : []),
    ],
  };
}

beforeAll(async () => {
  t = await startControllerUnderTest(`wisp-unit-activations-${randomBytes(4).toString('hex')}`);
  seeded = [
    seed('hello', 1000, 0, 'cold', 10),
    seed('hello', 1001, 1, 'warm', 500, CAUSE, 'guest/ticks'),
    seed('other', 1002, 2, 'prewarmed', 1500, CAUSE),
    seed('hello', 1003, 0, 'warm', 20),
    seed('hello', 1004, 1, 'cold', 900),
  ];
  for (const record of seeded) await t.stores.activations.create(record);
});

afterAll(async () => {
  await t.stop();
});

const ids = (body: unknown) => (body as Array<{ activationId: string }>).map((a) => a.activationId);
const at = (...indexes: number[]) => indexes.map((i) => seeded[i]!.activationId);
const get = (query: string) => t.call('GET', `/namespaces/_/activations${query}`);

describe('GET /namespaces/{ns}/activations', () => {
  it("answers a client that sends none of the new parameters exactly as before: OpenWhisk's array of summaries", async () => {
    const res = await get('?limit=2');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([4, 3].map((i) => {
      const r = seeded[i]!;
      return { namespace: 'guest', name: r.name, version: '0.0.1', publish: false, annotations: r.annotations, activationId: r.activationId, start: r.start, end: r.end, duration: r.duration, statusCode: r.response.statusCode };
    }));
    expect(ids(await okBody(get('?name=hello&since=1001&upto=1003&skip=1')))).toEqual(at(1));
    expect(await okBody(get('?count=true&name=hello'))).toEqual({ activations: 4 });
  });

  it('filters by status, start kind, cause, trigger and minimum duration, and counts with them', async () => {
    expect(ids(await okBody(get('?status=application_error')))).toEqual(at(4, 1));
    expect(ids(await okBody(get('?status=success&start=warm')))).toEqual(at(3));
    expect(ids(await okBody(get('?start=prewarmed&docs=true')))).toEqual(at(2));
    expect(ids(await okBody(get(`?cause=${CAUSE}`)))).toEqual(at(2, 1));
    expect(ids(await okBody(get(`?cause=${CAUSE}&name=hello`)))).toEqual(at(1));
    expect(ids(await okBody(get('?trigger=ticks')))).toEqual(at(1));
    expect(ids(await okBody(get('?trigger=tocks')))).toEqual([]);
    expect(ids(await okBody(get('?minDuration=600')))).toEqual(at(4, 2));
    expect(ids(await okBody(get('?status=internal_error')))).toEqual([]);
    expect(await okBody(get('?count=true&status=application_error&start=cold'))).toEqual({ activations: 1 });
    expect(await okBody(get('?count=true&minDuration=20'))).toEqual({ activations: 4 });
  });

  it('pages with a cursor: X-Next-Cursor on the array, or {activations, nextCursor} with paged=true', async () => {
    const first = await get('?limit=2');
    const cursor = first.headers.get('x-next-cursor');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = (await okBody(get(`?paged=true&limit=2&cursor=${cursor}`))) as { activations: unknown; nextCursor: string };
    expect(ids(second.activations)).toEqual(at(2, 1));
    const third = (await okBody(get(`?paged=true&limit=2&cursor=${second.nextCursor}`))) as Record<string, unknown>;
    expect(ids(third.activations)).toEqual(at(0));
    expect(third.nextCursor).toBeUndefined();
    const last = await get(`?limit=2&cursor=${second.nextCursor}`);
    expect(last.headers.get('x-next-cursor')).toBeNull();
    expect(ids(await okBody(get(`?status=application_error&limit=1&cursor=${encodeCursor({ start: seeded[4]!.start, id: seeded[4]!.activationId })}`)))).toEqual(at(1));
  });

  const notHex = 'z'.repeat(32);
  it.each([
    ['?status=failed', "The query parameter 'status' must be one of 'success', 'application_error', 'developer_error', 'internal_error', but was 'failed'."],
    ['?start=hot', "The query parameter 'start' must be one of 'cold', 'prewarmed', 'warm', but was 'hot'."],
    [`?cause=${notHex}`, `The query parameter 'cause' must be an activation id (32 lowercase hex characters), but was '${notHex}'.`],
    ['?trigger=-bad', "The query parameter 'trigger' must be a trigger's name, but was '-bad'."],
    ['?minDuration=-5', "The query parameter 'minDuration' must be a whole number of milliseconds, but was '-5'."],
    ['?minDuration=1.5', "The query parameter 'minDuration' must be a whole number of milliseconds, but was '1.5'."],
    ['?since=2000&upto=1000', "The query parameter 'since' (2000) is later than 'upto' (1000)."],
    ['?cursor=not*a*cursor', "The query parameter 'cursor' is not a cursor this platform gave out."],
    [`?cursor=${Buffer.from('v1:12:abc').toString('base64url')}`, "The query parameter 'cursor' is not a cursor this platform gave out."],
    [`?cursor=${Buffer.from(`v2:12:${'a'.repeat(32)}`).toString('base64url')}`, "The query parameter 'cursor' is not a cursor this platform gave out."],
    ['?limit=201', "The value '201' is not in the range of 0 to 200 for activations."],
    [`?count=true&cursor=${encodeCursor({ start: 1, id: 'a'.repeat(32) })}`, "The parameter 'cursor' is not permitted with 'count'."],
    ['?paged=yes', "The query parameter 'paged' was malformed:\nThe query parameter 'paged' must be 'true' or 'false', but was 'yes'."],
  ])('answers %s with 400 naming the field', async (query, message) => {
    await expectErrorAnswer(await get(query), 400, message);
  });
});

describe('GET /namespaces/{ns}/activations/{id}/logs and docs=true', () => {
  afterEach(() => jest.restoreAllMocks());

  it('reads the logs alone, never the whole record', async () => {
    const get = jest.spyOn(t.stores.activations, 'get');
    const getById = jest.spyOn(t.stores.activations, 'getById');
    const logs = jest.spyOn(t.stores.activations, 'logs');
    expect(await okBody(t.call('GET', `/namespaces/_/activations/${seeded[2]!.activationId}/logs`))).toEqual({ logs: seeded[2]!.logs });
    expect(logs).toHaveBeenCalledWith('guest', seeded[2]!.activationId);
    expect(get).not.toHaveBeenCalled();
    expect(getById).not.toHaveBeenCalled();
    await expectErrorAnswer(await t.call('GET', `/namespaces/_/activations/${newActivationId()}/logs`), 404, 'The requested resource does not exist.');
  });

  it('loads logs for docs=true only: summaries carry none', async () => {
    const page = jest.spyOn(t.stores.activations, 'page');
    const docs = (await okBody(get('?docs=true&limit=1'))) as unknown as Array<{ logs: string[] }>;
    expect(docs.map((d) => d.logs)).toEqual([seeded[4]!.logs]);
    expect(page.mock.calls[0]![1].withLogs).toBe(true);
    const summaries = (await okBody(get('?limit=1'))) as unknown as Array<Record<string, unknown>>;
    expect(summaries[0]).not.toHaveProperty('logs');
    expect(page.mock.calls[1]![1].withLogs).toBe(false);
  });
});
