import { newTransactionId } from '../../common/ids';
import { startControllerUnderTest, type ControllerUnderTest } from '../../test/harness/controller-under-test';
import { eventually } from '../../test/harness/eventually';

// The new record annotations and the activation filters through the whole platform in one
// process (ADR 0023): the invoker's pool says how each container started, the embedded store
// indexes it, and GET /activations finds it by start kind, status and cause.

jest.setTimeout(60_000);

interface Activation {
  activationId: string;
  logs: string[];
  annotations: Array<{ key: string; value: unknown }>;
}

let t: ControllerUnderTest;

beforeAll(async () => {
  t = await startControllerUnderTest(`wisp-test-${newTransactionId().slice(0, 10)}`, { processInvoker: true });
});

afterAll(async () => {
  await t?.stop();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await t.call(method, `/namespaces/_${path}`, body === undefined ? undefined : JSON.stringify(body));
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function record(id: string): Promise<Activation> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const got = await call('GET', `/activations/${id}`);
    if (got.status === 200) return got.body as Activation;
    if (Date.now() > deadline) throw new Error(`no record for ${id}: ${JSON.stringify(got.body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const annotation = (a: Activation, key: string) => a.annotations.find((x) => x.key === key)?.value;
const ids = (body: unknown) => (body as Array<{ activationId: string }>).map((a) => a.activationId);

describe('activation records and filters through controller and invoker', () => {
  it('records how each container started and where it ran, and finds activations by start kind, status and cause', async () => {
    const put = async (name: string, action: unknown) => expect((await call('PUT', `/actions/${name}`, action)).status).toBe(200);
    // 512 MB: no stem cell of that size, so the first start is cold (the stem cell path is the invoker's test).
    await put('echo', { exec: { kind: 'nodejs:20', code: 'function main(p) { return p; }' }, limits: { memory: 512 } });
    await put('refuse', { exec: { kind: 'nodejs:20', code: 'function main() { return { error: "no" }; }' } });
    await put('pair', { exec: { kind: 'sequence', components: ['/_/echo', '/_/echo'] } });

    const first = await call('POST', '/actions/echo?blocking=true', { n: 1 });
    const second = await call('POST', '/actions/echo?blocking=true', { n: 2 });
    const refused = await call('POST', '/actions/refuse?blocking=true', {});
    const sequence = await call('POST', '/actions/pair?blocking=true', { n: 3 });
    expect([first.status, second.status, refused.status, sequence.status]).toEqual([200, 200, 502, 200]);

    const cold = await record(first.body.activationId);
    expect(annotation(cold, 'startKind')).toBe('cold');
    expect(annotation(cold, 'invokerId')).toBe('invoker0');
    expect(annotation(cold, 'containerId')).toEqual(expect.any(String));
    expect(annotation(cold, 'retryCount')).toBe(0);
    const warm = await record(second.body.activationId);
    expect(annotation(warm, 'startKind')).toBe('warm');
    expect(annotation(warm, 'containerId')).toBe(annotation(cold, 'containerId'));
    const components = (await record(sequence.body.activationId)).logs;
    expect(components).toHaveLength(2);
    for (const id of components) await record(id);

    expect(ids((await call('GET', '/activations?name=echo&start=cold')).body)).toEqual([first.body.activationId]);
    expect(ids((await call('GET', '/activations?status=application_error')).body)).toEqual([refused.body.activationId]);
    expect(ids((await call('GET', `/activations?cause=${sequence.body.activationId}`)).body).sort()).toEqual([...components].sort());
    expect((await call('GET', '/activations?count=true&name=echo&start=warm')).body).toEqual({ activations: 3 });
  });

  it("annotates what a trigger's rules invoke, an action or a sequence, with the trigger, and finds them by its name", async () => {
    expect((await call('PUT', '/triggers/tick', {})).status).toBe(200);
    expect((await call('PUT', '/rules/tick-echo', { trigger: '/_/tick', action: '/_/echo' })).status).toBe(200);
    expect((await call('PUT', '/rules/tick-pair', { trigger: '/_/tick', action: '/_/pair' })).status).toBe(200);
    const fired = await call('POST', '/triggers/tick', { n: 7 });
    expect(fired.status).toBe(202);
    const caused = await eventually(async () => {
      const listed = (await call('GET', '/activations?trigger=tick&docs=true')).body as Activation[];
      return listed.length === 2 ? listed : undefined;
    }, 20_000);
    expect(caused.map((a) => annotation(a, 'trigger'))).toEqual(['guest/tick', 'guest/tick']);
    expect(ids((await call('GET', `/activations?cause=${fired.body.activationId}`)).body).sort()).toEqual(ids(caused).sort());
    expect(ids((await call('GET', '/activations?trigger=tick&name=pair')).body)).toHaveLength(1);
    expect((await call('GET', '/activations?trigger=tock')).body).toEqual([]);
  });
});
