import openwhisk from 'openwhisk';
import { eventually } from '../harness/eventually';

// The walking skeleton's user story, told through the `openwhisk` npm client exactly as a
// user's program would: create an action, invoke it blocking and non-blocking, read the
// activation; plus the bad-input answers every client relies on. Run against each profile.

export interface PlatformUnderTest {
  readonly apihost: string;
  readonly auth: string;
}

const HELLO = `function main(params) {
  console.log('hello stdout', params.name);
  console.error('hello stderr');
  return { greeting: 'Hello, ' + (params.name || 'stranger') + '!', pid: process.pid };
}`;

export function describeInvokePath(platform: () => PlatformUnderTest): void {
  const unique = `e2e-${Date.now().toString(36)}`;
  const client = () => openwhisk({ apihost: platform().apihost, api_key: platform().auth });
  const raw = (path: string, init: RequestInit = {}) =>
    fetch(`${platform().apihost}/api/v1${path}`, {
      ...init,
      headers: { Authorization: `Basic ${Buffer.from(platform().auth).toString('base64')}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });

  it('creates an action and reads it back', async () => {
    const ow = client();
    const created = await ow.actions.create({ name: `${unique}-hello`, action: HELLO, kind: 'nodejs:20' });
    expect(created).toMatchObject({ name: `${unique}-hello`, namespace: 'guest', version: '0.0.1', exec: { kind: 'nodejs:20', binary: false } });
    const fetched = await ow.actions.get({ name: `${unique}-hello` });
    expect(fetched.exec).toMatchObject({ kind: 'nodejs:20', code: HELLO });
  });

  it('invokes blocking and answers with the activation, result and logs', async () => {
    const ow = client();
    const activation = await ow.actions.invoke({ name: `${unique}-hello`, blocking: true, params: { name: 'Wisp' } });
    expect(activation.activationId).toMatch(/^[0-9a-f]{32}$/);
    expect(activation.response).toMatchObject({ status: 'success', success: true, result: { greeting: 'Hello, Wisp!' } });
    expect(activation).toMatchObject({ namespace: 'guest', name: `${unique}-hello`, version: '0.0.1', publish: false });
    // As on OpenWhisk, the blocking answer comes from the fast ack, which leaves logs out; the
    // stored record has them.
    const stored = await ow.activations.get({ name: activation.activationId });
    expect(stored.response?.result).toEqual(activation.response?.result);
    expect(stored.logs.some((l: string) => /^\S+\s+stdout: hello stdout Wisp$/.test(l))).toBe(true);
    expect(stored.logs.some((l: string) => /stderr: hello stderr$/.test(l))).toBe(true);
    expect(stored.logs.some((l: string) => l.includes('XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX'))).toBe(false);
  });

  it('reuses the warm container for the next call of the same action', async () => {
    const ow = client();
    const first = await ow.actions.invoke({ name: `${unique}-hello`, blocking: true });
    const second = await ow.actions.invoke({ name: `${unique}-hello`, blocking: true });
    const annotation = (a: typeof first, key: string) => (a.annotations ?? []).find((x: { key: string }) => x.key === key)?.value;
    expect(annotation(second, 'initTime')).toBeUndefined();
    expect((second.response?.result as { pid: number }).pid).toBe((first.response?.result as { pid: number }).pid);
  });

  it('lets an action call the API back at __OW_API_HOST with its own key, as a composing action does', async () => {
    const ow = client();
    const caller = `async function main(params) {
      const auth = 'Basic ' + Buffer.from(process.env.__OW_API_KEY).toString('base64');
      const answer = await fetch(process.env.__OW_API_HOST + '/api/v1/namespaces/_/actions/' + params.callee + '?blocking=true&result=true', {
        method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'from an action' }),
      });
      return { status: answer.status, body: await answer.json() };
    }`;
    await ow.actions.create({ name: `${unique}-caller`, action: { exec: { kind: 'nodejs:20', code: caller }, annotations: [{ key: 'provide-api-key', value: true }] } });
    const result = await ow.actions.invoke({ name: `${unique}-caller`, blocking: true, result: true, params: { callee: `${unique}-hello` } });
    expect(result).toMatchObject({ status: 200, body: { greeting: 'Hello, from an action!' } });
  });

  it('answers result=true with the result alone', async () => {
    const result = await client().actions.invoke({ name: `${unique}-hello`, blocking: true, result: true, params: { name: 'R' } });
    expect(result).toMatchObject({ greeting: 'Hello, R!' });
  });

  it('invokes non-blocking with 202 {activationId} and the record lands in the store', async () => {
    const ow = client();
    const accepted = await ow.actions.invoke({ name: `${unique}-hello`, params: { name: 'later' } });
    expect(Object.keys(accepted)).toEqual(['activationId']);
    const record = await eventually(async () => {
      try {
        return await ow.activations.get({ name: accepted.activationId });
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return undefined;
        throw err;
      }
    }, 30_000, 100);
    expect(record.response?.result).toMatchObject({ greeting: 'Hello, later!' });
    const logs = await ow.activations.logs({ name: accepted.activationId });
    expect(logs.logs.length).toBeGreaterThan(0);
    const result = await ow.activations.result({ name: accepted.activationId });
    expect(result.result).toMatchObject({ greeting: 'Hello, later!' });
  });

  it('answers 202 {activationId} when a blocking call outlasts ?timeout, and the record lands later', async () => {
    const ow = client();
    await ow.actions.create({ name: `${unique}-sleepy`, action: 'function main() { return new Promise(r => setTimeout(() => r({ slept: true }), 1500)); }' });
    const res = await raw(`/namespaces/_/actions/${unique}-sleepy?blocking=true&timeout=200`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { activationId: string };
    expect(res.headers.get('x-openwhisk-activation-id')).toBe(body.activationId);
    const record = await eventually(async () => {
      const got = await raw(`/namespaces/_/activations/${body.activationId}`);
      return got.status === 200 ? ((await got.json()) as { response: { result: unknown } }) : undefined;
    }, 30_000, 100);
    expect(record.response.result).toEqual({ slept: true });
  });

  it('refuses an invoke body over 1 MB with 413 and runs nothing', async () => {
    const ow = client();
    const before = (await ow.activations.list({ name: `${unique}-hello`, count: true })) as unknown as { activations: number };
    await expect(ow.actions.invoke({ name: `${unique}-hello`, params: { big: 'x'.repeat(1024 * 1024) } })).rejects.toMatchObject({ statusCode: 413 });
    const after = (await ow.activations.list({ name: `${unique}-hello`, count: true })) as unknown as { activations: number };
    expect(after.activations).toBe(before.activations);
  });

  it('lists activations newest first with name, since, upto, skip, limit, count and docs', async () => {
    const ow = client();
    const name = `${unique}-listed`;
    await ow.actions.create({ name, action: 'function main(p) { return { n: p.n }; }' });
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push((await ow.actions.invoke({ name, blocking: true, params: { n } })).activationId);
    const summaries = (await ow.activations.list({ name, limit: 10 })) as unknown as Array<{ activationId: string; start: number; name: string; logs?: unknown }>;
    expect(summaries.map((a) => a.activationId)).toEqual([...ids].reverse());
    expect(summaries[0]).not.toHaveProperty('logs');
    expect(((await ow.activations.list({ name, count: true })) as unknown as { activations: number }).activations).toBe(3);
    const page = (await ow.activations.list({ name, limit: 1, skip: 1 })) as unknown as Array<{ activationId: string }>;
    expect(page.map((a) => a.activationId)).toEqual([ids[1]]);
    const middle = summaries.find((a) => a.activationId === ids[1])!;
    const since = (await ow.activations.list({ name, since: middle.start })) as unknown as Array<{ activationId: string }>;
    expect(since.map((a) => a.activationId)).toContain(ids[2]);
    expect(since.map((a) => a.activationId)).not.toContain(ids[0]);
    const upto = (await ow.activations.list({ name, upto: middle.start })) as unknown as Array<{ activationId: string }>;
    expect(upto.map((a) => a.activationId)).toContain(ids[0]);
    expect(upto.map((a) => a.activationId)).not.toContain(ids[2]);
    const docs = (await ow.activations.list({ name, limit: 1, docs: true })) as unknown as Array<{ response: { result: unknown } }>;
    expect(docs[0]!.response.result).toEqual({ n: 2 });
    await expect(ow.activations.list({ name, count: true, docs: true })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('reports an action that throws as a developer error with 502 and the activation', async () => {
    const ow = client();
    await ow.actions.create({ name: `${unique}-throws`, action: 'function main() { throw new Error("boom"); }' });
    const failure = await ow.actions.invoke({ name: `${unique}-throws`, blocking: true }).then(
      () => undefined,
      (err: { statusCode: number; error: { response: { status: string; result: { error: string } } } }) => err,
    );
    expect(failure?.statusCode).toBe(502);
    expect(failure?.error.response.status).toBe('action developer error');
    expect(failure?.error.response.result.error).toContain('An error has occurred: Error: boom');
  });

  it('reports a non-object result and a timeout with OpenWhisk messages', async () => {
    const ow = client();
    await ow.actions.create({ name: `${unique}-number`, action: 'function main() { return 42; }' });
    await ow.actions.create({ name: `${unique}-slow`, action: 'function main() { return new Promise(r => setTimeout(() => r({}), 5000)); }', limits: { timeout: 500 } });
    const number = await ow.actions.invoke({ name: `${unique}-number`, blocking: true }).catch((e: { error: unknown }) => e.error);
    expect(number).toMatchObject({ response: { status: 'action developer error', result: { error: 'The action did not return a dictionary.' } } });
    const slow = await ow.actions.invoke({ name: `${unique}-slow`, blocking: true }).catch((e: { error: unknown }) => e.error);
    expect(slow).toMatchObject({ response: { status: 'action developer error', result: { error: 'The action exceeded its time limits of 500 milliseconds.' } } });
    // The platform keeps serving after both.
    const after = await ow.actions.invoke({ name: `${unique}-hello`, blocking: true, result: true });
    expect(after).toMatchObject({ greeting: 'Hello, stranger!' });
  });

  it('answers an application error ({error}) with 502', async () => {
    const ow = client();
    await ow.actions.create({ name: `${unique}-apperr`, action: 'function main() { return { error: "nope" }; }' });
    const res = await raw(`/namespaces/_/actions/${unique}-apperr?blocking=true`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(502);
    expect(res.headers.get('x-openwhisk-activation-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(await res.json()).toMatchObject({ response: { status: 'application error', success: false, result: { error: 'nope' } } });
  });

  it('refuses missing or wrong credentials with 401 {error, code} and X-Request-ID', async () => {
    const none = await fetch(`${platform().apihost}/api/v1/namespaces/_/actions`);
    expect(none.status).toBe(401);
    const body = (await none.json()) as { error: string; code: string };
    expect(body.error).toBe('The resource requires authentication, which was not supplied with the request');
    expect(body.code).toBe(none.headers.get('x-request-id'));
    const wrong = openwhisk({ apihost: platform().apihost, api_key: `${platform().auth.split(':')[0]}:wrongkey` });
    await expect(wrong.actions.list()).rejects.toMatchObject({ statusCode: 401 });
  });

  it('refuses malformed JSON and bodies that are not actions with 400', async () => {
    const malformed = await raw(`/namespaces/_/actions/${unique}-bad`, { method: 'PUT', body: '{"exec": ' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/^The request content was malformed:/);
    const notAction = await raw(`/namespaces/_/actions/${unique}-bad`, { method: 'PUT', body: '[1,2]' });
    expect(notAction.status).toBe(400);
    const noExec = await raw(`/namespaces/_/actions/${unique}-bad`, { method: 'PUT', body: '{"parameters": []}' });
    expect(noExec.status).toBe(400);
    expect(await noExec.json()).toMatchObject({ error: 'The request content was malformed:\nexec undefined' });
    // Nothing half-written was left behind.
    expect((await raw(`/namespaces/_/actions/${unique}-bad`)).status).toBe(404);
  });

  it('answers 409 for an existing action without overwrite, and updates with it', async () => {
    const ow = client();
    await expect(ow.actions.create({ name: `${unique}-hello`, action: HELLO })).rejects.toMatchObject({ statusCode: 409 });
    const updated = await ow.actions.update({ name: `${unique}-hello`, action: HELLO.replace('Hello', 'Hi') });
    expect(updated.version).toBe('0.0.2');
    const result = await ow.actions.invoke({ name: `${unique}-hello`, blocking: true, result: true, params: { name: 'again' } });
    expect(result).toMatchObject({ greeting: 'Hi, again!' });
  });
}
