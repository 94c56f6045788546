import openwhisk from 'openwhisk';
import { createZip } from '../harness/create-zip';
import { eventually } from '../harness/eventually';

// Python, blackbox and sequence actions told through the `openwhisk` npm client, as a user's
// program would: python inline and zipped, a nodejs → python → nodejs sequence blocking and
// non-blocking, a failing sequence, and a blackbox image (run where the platform has Docker
// containers; answered with a developer error on process containers).

export interface KindsPlatform {
  readonly apihost: string;
  readonly auth: string;
  /** The dockerskeleton-style image; undefined when actions run as local processes. */
  readonly blackboxImage?: string;
}

interface Annotated {
  readonly annotations?: Array<{ key: string; value: unknown }>;
}

interface Stored extends Annotated {
  readonly cause?: string;
  readonly duration?: number;
  readonly logs: string[];
  readonly response?: { result?: unknown };
}

const annotation = (a: Annotated, key: string) => (a.annotations ?? []).find((x) => x.key === key)?.value;

const INC = 'function main(p) { console.log("inc", p.n); return { n: (p.n || 0) + 1, trail: (p.trail || []).concat("node") }; }';
const DOUBLE = 'def main(p):\n    print("double", p["n"])\n    return {"n": p["n"] * 2, "trail": p["trail"] + ["python"]}\n';
const REFUSE = 'def main(p):\n    return {"error": "refused at " + str(p["n"])}\n';

export function describeKinds(platform: () => KindsPlatform): void {
  const unique = `kinds-${Date.now().toString(36)}`;
  const name = (suffix: string) => `${unique}-${suffix}`;
  const client = () => openwhisk({ apihost: platform().apihost, api_key: platform().auth });
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (err: { statusCode: number; error: any }) => err,
    );
  // The client's typings lack what its JavaScript accepts (`sequence`, blackbox execs): say it as a JS program does.
  const create = (options: Record<string, unknown>) => client().actions.create(options as never);
  const recordOf = (id: string): Promise<Stored> =>
    eventually(async () => {
      try {
        return (await client().activations.get({ name: id })) as unknown as Stored;
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return undefined;
        throw err;
      }
    }, 30_000, 100);

  beforeAll(async () => {
    const ow = client();
    await ow.actions.create({ name: name('inc'), action: INC, kind: 'nodejs:20' });
    await ow.actions.create({ name: name('double'), action: DOUBLE, kind: 'python:3.11' });
    await ow.actions.create({ name: name('refuse'), action: REFUSE, kind: 'python:default' });
  });

  it('runs inline python, with its logs and the python kind', async () => {
    const ow = client();
    const fetched = await ow.actions.get({ name: name('double') });
    expect(fetched.exec).toMatchObject({ kind: 'python:3.11', code: DOUBLE, binary: false });
    const activation = await ow.actions.invoke({ name: name('double'), blocking: true, params: { n: 21, trail: [] } });
    expect(activation.response).toMatchObject({ status: 'success', result: { n: 42, trail: ['python'] } });
    expect(annotation(activation, 'kind')).toBe('python:3.11');
    const stored = await recordOf(activation.activationId);
    expect(stored.logs.some((l: string) => /stdout: double 21$/.test(l))).toBe(true);
  });

  it('runs a zipped python action with __main__.py and its own modules', async () => {
    const ow = client();
    const zip = createZip({
      '__main__.py': 'from greet import hello\ndef main(p):\n    return {"msg": hello(p.get("name", "zip"))}\n',
      'greet.py': 'def hello(n):\n    return "hello " + n\n',
    });
    const created = await ow.actions.create({ name: name('zip'), action: zip, kind: 'python:3.11' });
    expect(created.exec).toMatchObject({ kind: 'python:3.11', binary: true });
    expect(await ow.actions.invoke({ name: name('zip'), blocking: true, result: true, params: { name: 'wisp' } })).toEqual({ msg: 'hello wisp' });
  });

  it('runs a 3-step sequence nodejs → python → nodejs blocking, with the records OpenWhisk writes', async () => {
    const ow = client();
    const components = [`/_/${name('inc')}`, `/_/${name('double')}`, `/_/${name('inc')}`];
    const created = await create({ name: name('chain'), sequence: components });
    const resolved = components.map((c) => c.replace('/_/', '/guest/'));
    expect(created.exec).toEqual({ kind: 'sequence', components: resolved });
    const meta = await ow.actions.get({ name: name('chain'), qs: { code: false } } as never);
    expect(meta.exec).toEqual({ kind: 'sequence', components: resolved });

    const activation = await ow.actions.invoke({ name: name('chain'), blocking: true, params: { n: 1 } });
    expect(activation.response).toMatchObject({ status: 'success', success: true, result: { n: 5, trail: ['node', 'python', 'node'] } });
    expect(activation.logs).toHaveLength(3);
    expect(annotation(activation, 'kind')).toBe('sequence');
    expect(annotation(activation, 'topmost')).toBe(true);
    const parts = await Promise.all(activation.logs.map((id: string) => recordOf(id)));
    expect(parts.map((p) => p.cause)).toEqual([activation.activationId, activation.activationId, activation.activationId]);
    expect(parts.map((p) => annotation(p, 'causedBy'))).toEqual(['sequence', 'sequence', 'sequence']);
    expect(parts.map((p) => annotation(p, 'kind'))).toEqual(['nodejs:20', 'python:3.11', 'nodejs:20']);
    expect(activation.duration).toBe(parts.reduce((sum, p) => sum + (p.duration ?? 0), 0));
    expect(await ow.actions.invoke({ name: name('chain'), blocking: true, result: true, params: { n: 10 } })).toEqual({ n: 23, trail: ['node', 'python', 'node'] });
  });

  it('answers a non-blocking sequence with 202 {activationId} and stores the record when done', async () => {
    const ow = client();
    const accepted = await ow.actions.invoke({ name: name('chain'), params: { n: 2 } });
    expect(Object.keys(accepted)).toEqual(['activationId']);
    const record = await recordOf(accepted.activationId);
    expect(record.response?.result).toEqual({ n: 7, trail: ['node', 'python', 'node'] });
    expect(record.logs).toHaveLength(3);
  });

  it('stops a sequence at the failing component and answers 502 with its error', async () => {
    const ow = client();
    await create({ name: name('broken'), sequence: [`/_/${name('inc')}`, `/_/${name('refuse')}`, `/_/${name('inc')}`] });
    const failure = await failureOf(ow.actions.invoke({ name: name('broken'), blocking: true, params: { n: 1 } }));
    expect(failure?.statusCode).toBe(502);
    expect(failure?.error.response).toMatchObject({ status: 'application error', result: { error: 'refused at 2' } });
    expect(failure?.error.logs).toHaveLength(2);
  });

  it('refuses sequences OpenWhisk refuses, with its messages', async () => {
    const ow = client();
    const refused = async (components: string[]) => (await failureOf(create({ name: name('bad-seq'), sequence: components })))?.error;
    expect(await refused([`/_/${name('missing')}`])).toMatchObject({ error: 'Sequence component does not exist.' });
    expect(await refused([`/_/${name('bad-seq')}`])).toMatchObject({ error: 'Sequence may not refer to itself.' });
    expect(await refused(Array.from({ length: 51 }, () => `/_/${name('inc')}`))).toMatchObject({ error: 'Too many actions in the sequence.' });
    const empty = await fetch(`${platform().apihost}/api/v1/namespaces/_/actions/${name('bad-seq')}`, {
      method: 'PUT',
      headers: { Authorization: `Basic ${Buffer.from(platform().auth).toString('base64')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ exec: { kind: 'sequence', components: [] } }),
    });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error: 'No component specified for the sequence.' });
    expect(await failureOf(ow.actions.get({ name: name('bad-seq') }))).toMatchObject({ statusCode: 404 });
  });

  it('runs a blackbox image, or says why it cannot', async () => {
    const ow = client();
    const image = platform().blackboxImage;
    if (!image) {
      await create({ name: name('bb'), action: { exec: { kind: 'blackbox', image: 'openwhisk/dockerskeleton' } } });
      const failure = await failureOf(ow.actions.invoke({ name: name('bb'), blocking: true }));
      expect(failure?.statusCode).toBe(502);
      expect(failure?.error.response.result.error).toMatch(/^This platform runs actions as local processes and cannot run the blackbox image 'openwhisk\/dockerskeleton'/);
      return;
    }
    const created = await create({ name: name('bb'), action: { exec: { kind: 'blackbox', image } } });
    expect(created.exec).toMatchObject({ kind: 'blackbox', image });
    const activation = await ow.actions.invoke({ name: name('bb'), blocking: true, params: { who: 'e2e' } });
    expect(activation.response).toMatchObject({ status: 'success', result: { msg: 'Hello from the blackbox skeleton!', args: { who: 'e2e' } } });
    const stored = await recordOf(activation.activationId);
    expect(stored.logs.some((l: string) => l.endsWith('stdout: skeleton says hello on stdout'))).toBe(true);

    await create({ name: name('bb-missing'), action: { exec: { kind: 'blackbox', image: 'wisp-test-no-such-image:1' } } });
    const missing = await failureOf(ow.actions.invoke({ name: name('bb-missing'), blocking: true }));
    expect(missing?.statusCode).toBe(502);
    expect(missing?.error.response).toMatchObject({ status: 'action developer error', result: { error: "Failed to pull container image 'wisp-test-no-such-image:1'." } });
  });
}
