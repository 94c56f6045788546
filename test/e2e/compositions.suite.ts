import openwhisk from 'openwhisk';
import { eventually } from '../harness/eventually';
import type { PlatformUnderTest } from './invoke-path.suite';

// Compositions (ADR 0028) through the REST API and the `openwhisk` npm client: a conductor
// action that branches and loops over component actions, its record and every step's cause; a
// failing component and the step limit ending it; a map over 20 items with concurrency 4, its
// results in order and a failing item counted; bad map bodies refused before anything runs.

// Branches on n's parity (inc1 for even, inc2 for odd) until n reaches the bound, counting turns in its state.
const CONDUCTOR = `function main(p) {
  const turns = p.turns || 0;
  if (p.n >= p.bound) return { params: { done: p.n, turns } };
  const action = p.via || (p.n % 2 === 0 ? p.prefix + '-inc1' : p.prefix + '-inc2');
  return { action, params: { n: p.n }, state: { bound: p.bound, turns: turns + 1, prefix: p.prefix, via: p.via } };
}`;
const INC1 = `function main(p) { return { n: p.n + 1 }; }`;
const INC2 = `function main(p) { return { n: p.n + 2 }; }`;
const BOOM = `function main(p) { throw new Error('component exploded at ' + p.n); }`;
// 150 ms of work per item, so items that ran at once overlap visibly in their records.
const SQUARE = `async function main(p) {
  await new Promise((r) => setTimeout(r, 150));
  if (p.x === 13) return { error: 'unlucky ' + p.x };
  return { sq: p.x * p.x, tag: p.tag };
}`;

// Fails items 7, 107, 207, 307 and 407 on purpose.
const QUICK = `function main(p) { return p.x % 100 === 7 ? { error: 'failed ' + p.x } : { y: p.x + 1 }; }`;

interface Annotated {
  readonly annotations: { key: string; value: unknown }[];
}
const annotation = (record: Annotated, key: string) => record.annotations.find((a) => a.key === key)?.value;

interface Record_ extends Annotated {
  readonly activationId: string;
  readonly cause?: string;
  readonly start: number;
  readonly end: number;
  readonly logs: string[];
  readonly name: string;
  readonly response: { status: string; success: boolean; result: Record<string, unknown> };
}

export function describeCompositions(platform: () => PlatformUnderTest): void {
  const unique = `comp-${Date.now().toString(36)}`;
  const n = (name: string) => `${unique}-${name}`;
  const client = () => openwhisk({ apihost: platform().apihost, api_key: platform().auth });
  const rest = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${platform().apihost}/api/v1/namespaces/_/${path}`, {
      ...init,
      headers: { Authorization: `Basic ${Buffer.from(platform().auth).toString('base64')}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const record = async (id: string) => (await client().activations.get({ name: id })) as unknown as Record_;

  beforeAll(async () => {
    const ow = client();
    const create = (name: string, action: string, annotations: Record<string, unknown> = {}) =>
      ow.actions.create({ name, action, kind: 'nodejs:20', annotations, limits: { memory: 128 } } as never);
    await Promise.all([
      create(n('conductor'), CONDUCTOR, { conductor: true }),
      create(n('inc1'), INC1),
      create(n('inc2'), INC2),
      create(n('boom'), BOOM),
      create(n('square'), SQUARE),
      create(n('idle'), INC1),
      create(n('quick'), QUICK),
    ]);
  });

  it('a conductor branches and loops over components, each step recorded and caused by the composition', async () => {
    const ow = client();
    const answer = (await ow.actions.invoke({ name: n('conductor'), params: { n: 0, bound: 7, prefix: unique }, blocking: true })) as unknown as Record_;
    expect(answer.response).toMatchObject({ status: 'success', success: true, result: { done: 7, turns: 4 } });
    const composition = await record(answer.activationId);
    expect(annotation(composition, 'conductor')).toBe(true);
    expect(annotation(composition, 'kind')).toBe('sequence');
    expect(annotation(composition, 'topmost')).toBe(true);
    expect(annotation(composition, 'path')).toBe(`guest/${n('conductor')}`);
    expect(annotation(composition, 'limits')).toMatchObject({ memory: 128 });
    // Turn, component, turn, … : 0→1 (inc1), 1→3, 3→5, 5→7 (inc2), then the last turn.
    expect(composition.logs).toHaveLength(9);
    const steps = await Promise.all(composition.logs.map(record));
    expect(steps.map((s) => s.name)).toEqual([n('conductor'), n('inc1'), n('conductor'), n('inc2'), n('conductor'), n('inc2'), n('conductor'), n('inc2'), n('conductor')]);
    for (const step of steps) {
      expect(step.cause).toBe(answer.activationId);
      expect(annotation(step, 'causedBy')).toBe('sequence');
    }
    expect(steps[3]!.response.result).toEqual({ n: 3 });
  });

  it('a failing component stops the composition with its status', async () => {
    const answer = (await client().actions.invoke({ name: n('conductor'), params: { n: 0, bound: 7, via: n('boom') }, blocking: true }).catch((err: { error: unknown }) => err.error)) as Record_;
    expect(answer.response).toMatchObject({ status: 'action developer error', success: false, result: { error: expect.stringContaining('component exploded at 0') } });
    expect(answer.logs).toHaveLength(2);
  });

  it('a loop past the step limit ends with OpenWhisk\'s message after 50 components', async () => {
    const answer = (await client().actions.invoke({ name: n('conductor'), params: { n: 0, bound: 1_000_000, via: n('inc1') }, blocking: true }).catch((err: { error: unknown }) => err.error)) as Record_;
    expect(answer.response).toMatchObject({ status: 'application error', result: { error: 'Too many actions in the composition.' } });
    expect(answer.logs).toHaveLength(101);
  });

  it('a map runs every item at most 4 at a time, results in order, a failing item counted', async () => {
    const items = Array.from({ length: 20 }, (_, x) => ({ x }));
    const { status, body } = await rest(`actions/${n('square')}?map=true&blocking=true&concurrency=4`, { method: 'POST', body: JSON.stringify({ items, params: { tag: 'shared', x: -1 } }) });
    expect(status).toBe(200);
    const map = body as unknown as Record_;
    // Not the map's own status: an item failing is counted, and the map succeeds.
    expect(map.response.success).toBe(true);
    expect(annotation(map, 'kind')).toBe('map');
    const result = map.response.result as { results: Record<string, unknown>[]; activationIds: string[]; failed: number };
    expect(result.failed).toBe(1);
    expect(result.results).toHaveLength(20);
    result.results.forEach((r, x) => expect(r).toEqual(x === 13 ? { error: 'unlucky 13' } : { sq: x * x, tag: 'shared' }));
    expect(map.logs).toEqual(result.activationIds);
    const itemRecords = await Promise.all(result.activationIds.map(record));
    expect(itemRecords.every((r) => r.cause === map.activationId)).toBe(true);
    // Never more than 4 items running at once, by their own records' start and end.
    const overlap = Math.max(...itemRecords.map((r) => itemRecords.filter((o) => o.start <= r.start && r.start < o.end).length));
    expect(overlap).toBeLessThanOrEqual(4);
  });

  it('a map over 500 items ends with every result in order and its few failing items counted', async () => {
    const items = Array.from({ length: 500 }, (_, x) => ({ x }));
    // Not blocking: on a loaded machine the map may take longer than a blocking call's 60 s.
    const accepted = await rest(`actions/${n('quick')}?map=true&concurrency=16`, { method: 'POST', body: JSON.stringify({ items }) });
    expect(accepted.status).toBe(202);
    const map = await eventually(async () => (await client().activations.get({ name: accepted.body.activationId as string }).catch(() => undefined)) as unknown as Record_ | undefined, 140_000, 250);
    const result = map.response.result as { results: Record<string, unknown>[]; activationIds: string[]; failed: number };
    expect(result.failed).toBe(5);
    expect(new Set(result.activationIds).size).toBe(500);
    expect(map.logs).toEqual(result.activationIds);
    result.results.forEach((r, x) => expect(r).toEqual(x % 100 === 7 ? { error: 'failed ' + x } : { y: x + 1 }));
  }, 170_000);

  it('a map answers result=true with the gathered result alone, and non-blocking with its id', async () => {
    const items = [{ x: 2 }, { x: 3 }];
    const only = await rest(`actions/${n('square')}?map=true&blocking=true&result=true`, { method: 'POST', body: JSON.stringify({ items }) });
    expect(only).toMatchObject({ status: 200, body: { results: [{ sq: 4 }, { sq: 9 }], failed: 0 } });
    const accepted = await rest(`actions/${n('square')}?map=true`, { method: 'POST', body: JSON.stringify({ items }) });
    expect(accepted.status).toBe(202);
    const id = accepted.body.activationId as string;
    const later = await eventually(async () => (await client().activations.get({ name: id }).catch(() => undefined)) as unknown as Record_ | undefined, 60_000, 200);
    expect(later.logs).toHaveLength(2);
  });

  it('bad map requests are refused with 400 naming what is wrong, and nothing runs', async () => {
    // Each refusal's message names the field or parameter at fault.
    const cases: [string, unknown, string][] = [
      ['', {}, '"items" must be a non-empty array of at most 1000 items, not missing'],
      ['', { items: {} }, '"items" must be a non-empty array'],
      ['', { items: [] }, '"items" must be a non-empty array'],
      ['', { items: 'no' }, '"items" must be a non-empty array'],
      ['', { items: Array.from({ length: 1001 }, () => ({})) }, '"items" has 1001 items; a map takes at most 1000'],
      ['', { items: [{}], params: [1] }, 'params'],
      ['&concurrency=0', { items: [{}] }, '"concurrency" must be an integer from 1 to 64'],
      ['&concurrency=65', { items: [{}] }, '"concurrency" must be an integer from 1 to 64'],
    ];
    for (const [query, body, phrase] of cases) {
      const answer = await rest(`actions/${n('idle')}?map=true&blocking=true${query}`, { method: 'POST', body: JSON.stringify(body) });
      expect({ body, status: answer.status, error: answer.body.error }).toEqual({ body, status: 400, error: expect.stringContaining(phrase) });
    }
    expect(await client().activations.list({ name: n('idle'), limit: 200 } as never)).toEqual([]);
  });
}
