import { newTransactionId } from '../../common/ids';
import { createZip } from '../../test/harness/create-zip';
import { startControllerUnderTest, type ControllerUnderTest } from '../../test/harness/controller-under-test';

// Python, blackbox and sequence actions through the whole platform in one process: the HTTP
// API, the controller's Dispatcher and sequence runner, the memory buses, the embedded stores,
// and an invoker running process containers (nodejs bundle, proxy.py under the host's python3).

jest.setTimeout(60_000);

interface Activation {
  activationId: string;
  cause?: string;
  duration?: number;
  logs: string[];
  response: { status: string; success: boolean; result?: Record<string, unknown> };
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

describe('python, blackbox and sequence actions through controller and invoker', () => {
  beforeAll(async () => {
    const put = async (name: string, exec: unknown) => expect((await call('PUT', `/actions/${name}`, { exec })).status).toBe(200);
    await put('inc', { kind: 'nodejs:20', code: 'function main(p) { console.log("inc", p.n); return { n: (p.n || 0) + 1, trail: (p.trail || []).concat("node") }; }' });
    await put('py-double', { kind: 'python:3.11', code: 'def main(p):\n    print("double", p["n"])\n    return {"n": p["n"] * 2, "trail": p["trail"] + ["python"]}\n' });
    await put('fail', { kind: 'python:default', code: 'def main(p):\n    return {"error": "refused " + str(p["n"])}\n' });
  });

  it('runs inline python and a zip with __main__.py', async () => {
    const inline = await call('POST', '/actions/py-double?blocking=true', { n: 21, trail: [] });
    expect(inline.status).toBe(200);
    expect(inline.body.response.result).toEqual({ n: 42, trail: ['python'] });
    expect(annotation(inline.body, 'kind')).toBe('python:3.11');
    const stored = await record(inline.body.activationId);
    expect(stored.logs.some((l) => / stdout: double 21$/.test(l))).toBe(true);

    const code = createZip({ '__main__.py': 'from greet import hello\ndef main(p):\n    return {"msg": hello(p.get("name", "zip"))}\n', 'greet.py': 'def hello(n):\n    return "hello " + n\n' }).toString('base64');
    expect((await call('PUT', '/actions/py-zip', { exec: { kind: 'python:3.11', code } })).status).toBe(200);
    const zipped = await call('POST', '/actions/py-zip?blocking=true&result=true', { name: 'wisp' });
    expect(zipped).toEqual({ status: 200, body: { msg: 'hello wisp' } });
  });

  it('answers a blackbox on process containers with a developer error naming the image', async () => {
    expect((await call('PUT', '/actions/bb', { exec: { kind: 'blackbox', image: 'openwhisk/dockerskeleton' } })).status).toBe(200);
    const answer = await call('POST', '/actions/bb?blocking=true', {});
    expect(answer.status).toBe(502);
    expect(answer.body.response.status).toBe('action developer error');
    expect(answer.body.response.result.error).toMatch(/^This platform runs actions as local processes and cannot run the blackbox image 'openwhisk\/dockerskeleton'/);
  });

  it('runs a 3-step sequence nodejs → python → nodejs, blocking, with the records OpenWhisk writes', async () => {
    const created = await call('PUT', '/actions/chain', { exec: { kind: 'sequence', components: ['/_/inc', '/guest/py-double', 'guest/inc'] } });
    expect(created.status).toBe(200);
    expect(created.body.exec).toEqual({ kind: 'sequence', components: ['/guest/inc', '/guest/py-double', '/guest/inc'] });
    expect((await call('GET', '/actions/chain?code=false')).body.exec).toEqual({ kind: 'sequence', components: ['/guest/inc', '/guest/py-double', '/guest/inc'] });

    const answer = await call('POST', '/actions/chain?blocking=true', { n: 1 });
    expect(answer.status).toBe(200);
    const seq = answer.body as Activation;
    expect(seq.response).toMatchObject({ status: 'success', success: true, result: { n: 5, trail: ['node', 'python', 'node'] } });
    expect(seq.logs).toHaveLength(3);
    expect(annotation(seq, 'kind')).toBe('sequence');
    expect(annotation(seq, 'topmost')).toBe(true);
    expect(annotation(seq, 'path')).toBe('guest/chain');
    const components = await Promise.all(seq.logs.map(record));
    expect(components.map((c) => c.cause)).toEqual([seq.activationId, seq.activationId, seq.activationId]);
    expect(components.map((c) => annotation(c, 'causedBy'))).toEqual(['sequence', 'sequence', 'sequence']);
    expect(components.map((c) => annotation(c, 'kind'))).toEqual(['nodejs:20', 'python:3.11', 'nodejs:20']);
    expect(seq.duration).toBe(components.reduce((sum, c) => sum + (c.duration ?? 0), 0));
    expect(await record(seq.activationId)).toMatchObject({ activationId: seq.activationId, logs: seq.logs });
    const result = await call('POST', '/actions/chain?blocking=true&result=true', { n: 10 });
    expect(result).toEqual({ status: 200, body: { n: 23, trail: ['node', 'python', 'node'] } });
  });

  it('answers a non-blocking sequence with 202 at once and stores its record when done', async () => {
    const answer = await call('POST', '/actions/chain', { n: 2 });
    expect(answer.status).toBe(202);
    const done = await record(answer.body.activationId);
    expect(done.response.result).toEqual({ n: 7, trail: ['node', 'python', 'node'] });
  });

  it('stops at the failing component and answers 502 with its error', async () => {
    expect((await call('PUT', '/actions/broken', { exec: { kind: 'sequence', components: ['/_/inc', '/_/fail', '/_/inc'] } })).status).toBe(200);
    const answer = await call('POST', '/actions/broken?blocking=true', { n: 1 });
    expect(answer.status).toBe(502);
    expect(answer.body.response).toMatchObject({ status: 'application error', result: { error: 'refused 2' } });
    expect(answer.body.logs).toHaveLength(2);
  });

  it('checks components when a sequence is saved, and again when it runs', async () => {
    const put = (name: string, components: unknown) => call('PUT', `/actions/${name}?overwrite=true`, { exec: { kind: 'sequence', components } });
    expect((await put('nope', ['/_/inc', '/_/absent'])).body.error).toBe('Sequence component does not exist.');
    expect((await put('selfish', ['/_/inc', '/_/selfish'])).body.error).toBe('Sequence may not refer to itself.');
    expect(await put('outer', ['/_/chain', '/_/inc'])).toMatchObject({ status: 200 });
    // chain -> outer would close a cycle through the nested sequence.
    expect((await put('chain', ['/_/outer'])).body.error).toBe('Sequence may not refer to itself.');
    expect((await put('foreign', ['/other/inc'])).status).toBe(403);
    expect((await call('GET', '/actions/nope')).status).toBe(404);

    expect((await call('PUT', '/actions/doomed', { exec: { kind: 'nodejs:20', code: 'function main(){return {}}' } })).status).toBe(200);
    expect((await put('orphan', ['/_/doomed'])).status).toBe(200);
    expect((await call('DELETE', '/actions/doomed')).status).toBe(200);
    const answer = await call('POST', '/actions/orphan?blocking=true', {});
    expect(answer.status).toBe(502);
    expect(answer.body.response.result).toEqual({ error: 'Sequence component does not exist.' });
  });

  it('runs a nested sequence with its own record caused by the outer one', async () => {
    const answer = await call('POST', '/actions/outer?blocking=true', { n: 0 });
    expect(answer.status).toBe(200);
    expect(answer.body.response.result).toEqual({ n: 4, trail: ['node', 'python', 'node', 'node'] });
    const inner = await record(answer.body.logs[0]);
    expect(inner.cause).toBe(answer.body.activationId);
    expect(annotation(inner, 'topmost')).toBe(false);
    expect(inner.logs).toHaveLength(3);
  });
});
