import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import fc from 'fast-check';
import { GUEST_AUTH } from '../common/entities/credentials';
import { startControllerUnderTest, type ControllerUnderTest } from '../test/harness/controller-under-test';
import { expectErrorAnswer } from '../test/harness/error-answer';

// The controller's HTTP contract on the standalone adapters, without an invoker: CRUD answers,
// bad input, and a property test that throws hostile bodies at the write routes.

let t: ControllerUnderTest;

beforeAll(async () => {
  t = await startControllerUnderTest(`wisp-unit-controller-${randomBytes(4).toString('hex')}`);
});

afterAll(async () => {
  await t.stop();
});

const call: ControllerUnderTest['call'] = (...args) => t.call(...args);

const action = JSON.stringify({ exec: { kind: 'nodejs:20', code: 'function main(){return {}}' } });

describe('controller HTTP contract', () => {
  it('answers GET /api/v1 without auth, as wsk reads it', async () => {
    const res = await fetch(`${t.controller.url}/api/v1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ api_version: '1.0.0', api_version_path: 'v1', description: 'OpenWhisk API' });
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('serves both swagger_paths that GET /api/v1 advertises, without auth', async () => {
    const info = (await (await fetch(`${t.controller.url}/api/v1`)).json()) as { swagger_paths: { ui: string; 'api-docs': string } };
    const docs = await fetch(`${t.controller.url}/api/v1${info.swagger_paths['api-docs']}`);
    expect(docs.status).toBe(200);
    expect(await docs.json()).toMatchObject({ swagger: '2.0', basePath: '/api/v1', paths: { '/namespaces/{namespace}/actions/{name}': { post: { summary: 'Invoke an action' } } } });
    const ui = await fetch(`${t.controller.url}/api/v1${info.swagger_paths.ui}`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await ui.text()).toContain('/api/v1/namespaces/{namespace}/activations');
  });

  it('echoes the caller X-Request-ID as the error code', async () => {
    const res = await call('GET', '/namespaces/_/actions/missing', undefined, { 'X-Request-ID': 'my-trace-1' });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('my-trace-1');
    expect(await res.json()).toEqual({ error: 'The requested resource does not exist.', code: 'my-trace-1' });
  });

  it('lists namespaces and actions, counts, and deletes', async () => {
    expect(await (await call('GET', '/namespaces')).json()).toEqual(['guest']);
    expect((await call('PUT', '/namespaces/_/actions/listed', action)).status).toBe(200);
    const list = (await (await call('GET', '/namespaces/guest/actions?limit=5')).json()) as Array<{ name: string; exec: unknown }>;
    expect(list.find((a) => a.name === 'listed')).toMatchObject({ exec: { binary: false } });
    expect(await (await call('GET', '/namespaces/_/actions?count=true')).json()).toEqual({ actions: expect.any(Number) });
    const noCode = (await (await call('GET', '/namespaces/_/actions/listed?code=false')).json()) as { exec: Record<string, unknown> };
    expect(noCode.exec.code).toBeUndefined();
    expect((await call('DELETE', '/namespaces/_/actions/listed')).status).toBe(200);
    expect((await call('DELETE', '/namespaces/_/actions/listed')).status).toBe(404);
  });

  it.each([
    ['GET', '/namespaces/_/actions?limit=201', 400, "The value '201' is not in the range of 0 to 200 for actions."],
    ['GET', '/namespaces/_/actions?skip=-1', 400, "The value '-1' is not greater than or equal to 0 for actions."],
    ['GET', '/namespaces/_/actions?limit=x', 400, "The value 'x' is not an integer for actions."],
    ['GET', '/namespaces/other/actions', 403, "The supplied authentication is not authorized to access 'other/actions'."],
    ['GET', '/namespaces/_/activations/abc', 400, 'Activation id length is 3 but must be 32.'],
    ['GET', '/namespaces/_/activations/ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ', 400, 'The activation id is not valid.'],
    ['GET', '/namespaces/_/activations?count=true&docs=true', 400, "The parameter 'docs' is not permitted with 'count'."],
    ['POST', '/namespaces/_/actions/missing?timeout=0', 400, 'Timeout must be number of milliseconds up to 60000.'],
    ['POST', '/namespaces/_/actions/missing?blocking=maybe', 400, "The query parameter 'blocking' was malformed:\nThe query parameter 'blocking' must be 'true' or 'false', but was 'maybe'."],
    ['PUT', '/namespaces/_/actions/bad%2Fname', 400, 'The name of the entity contains illegal characters.'],
    ['GET', '/namespaces/_/nothing-here', 404, 'The requested resource could not be found.'],
    ['PUT', '/namespaces/_/actions/-bad', 400, 'The name of the entity contains illegal characters.'],
    ['PATCH', '/namespaces/_/actions/x', 405, 'HTTP method not allowed, supported methods: GET, PUT, POST, DELETE'],
  ])('%s %s answers %i', async (method, path, status, message) => {
    await expectErrorAnswer(await call(method, path, method === 'PUT' ? action : undefined), status, message);
  });

  it('answers 415 for a non-JSON content type and 413 past the invoke body limit', async () => {
    await call('PUT', '/namespaces/_/actions/sized', action);
    const text = await call('POST', '/namespaces/_/actions/sized', 'a=b', { 'Content-Type': 'text/plain' });
    expect(text.status).toBe(415);
    const big = await call('POST', '/namespaces/_/actions/sized', JSON.stringify({ x: 'y'.repeat(1024 * 1024) }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toMatch(/^Request larger than allowed: \d+ > 1048576 bytes\.$/);
  });

  it('stops reading a body at the limit, answers 413 and closes the connection, whether the length is declared or not', async () => {
    await call('PUT', '/namespaces/_/actions/flooded', action);
    const { hostname, port } = new URL(t.controller.url);
    const flood = (declared: boolean) =>
      new Promise<{ answer: string; sent: number }>((resolve, reject) => {
        const socket = connect({ host: hostname, port: Number(port) });
        const auth = Buffer.from(GUEST_AUTH).toString('base64');
        let answer = '';
        let sent = 0;
        let closed = false;
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        socket.on('data', (data: Buffer) => (answer += data.toString('latin1')));
        socket.once('close', () => ((closed = true), resolve({ answer, sent })));
        socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
        socket.write(
          `POST /api/v1/namespaces/_/actions/flooded HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${auth}\r\nContent-Type: application/json\r\n` +
            (declared ? 'Content-Length: 1073741824\r\n' : 'Transfer-Encoding: chunked\r\n') +
            '\r\n',
        );
        // A gigabyte is offered; the server must end the exchange long before.
        const pump = () => {
          while (!closed && sent < 1024 * 1024 * 1024) {
            const part = declared ? chunk : Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
            sent += chunk.length;
            if (!socket.write(part)) return void socket.once('drain', pump);
          }
        };
        pump();
      });
    for (const declared of [true, false]) {
      const { answer, sent } = await flood(declared);
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer.toLowerCase()).toContain('connection: close');
      expect(sent).toBeLessThan(64 * 1024 * 1024);
    }
  });

  it('takes a large action upload (parsed off the main thread) and answers a malformed one with 400', async () => {
    const code = `function main() { return { n: ${'1'.repeat(10)} }; } // ${'x'.repeat(2 * 1024 * 1024)}`;
    expect((await call('PUT', '/namespaces/_/actions/large', JSON.stringify({ exec: { kind: 'nodejs:20', code } }))).status).toBe(200);
    const stored = (await (await call('GET', '/namespaces/_/actions/large')).json()) as { exec: { code: string } };
    expect(stored.exec.code).toBe(code);
    const broken = await call('PUT', '/namespaces/_/actions/broken?overwrite=true', `{"exec": {"kind": "nodejs:20", "code": "${'y'.repeat(2 * 1024 * 1024)}`);
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: string }).error).toMatch(/JSON/);
  });

  it('answers 503 when no invoker is healthy, and queues nothing', async () => {
    await call('PUT', '/namespaces/_/actions/nowhere', action);
    const res = await call('POST', '/namespaces/_/actions/nowhere?blocking=true', '{}');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toBe('No invokers available');
  });

  it('never answers 5xx to hostile action bodies and leaves the store unchanged on rejection', async () => {
    expect((await call('PUT', '/namespaces/_/actions/fuzzed', action)).status).toBe(200);
    const before = await (await call('GET', '/namespaces/_/actions/fuzzed')).json();
    const hostile = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ exec: fc.anything(), parameters: fc.anything(), limits: fc.anything(), annotations: fc.anything(), version: fc.anything(), publish: fc.anything() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
      fc.record({ exec: fc.record({ kind: fc.constantFrom('nodejs:20', 'nodejs:default', 'python:3', ''), code: fc.anything(), main: fc.anything() }, { requiredKeys: [] }), limits: fc.dictionary(fc.constantFrom('timeout', 'memory', 'logs', 'concurrency'), fc.oneof(fc.integer(), fc.double(), fc.string())) }).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(hostile, fc.boolean(), async (body, overwrite) => {
        const res = await call('PUT', `/namespaces/_/actions/fuzzed?overwrite=${overwrite}`, body);
        expect(res.status).toBeLessThan(500);
        const answer = (await res.json()) as Record<string, unknown>;
        if (res.status >= 400) {
          expect(typeof answer.error).toBe('string');
          expect(answer.code).toBe(res.headers.get('x-request-id'));
          expect(await (await call('GET', '/namespaces/_/actions/fuzzed')).json()).toEqual(before);
        } else {
          // An accepted update becomes the new baseline.
          Object.assign(before as object, await (await call('GET', '/namespaces/_/actions/fuzzed')).json());
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never answers 5xx to hostile names and query strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 300 }), fc.string({ maxLength: 40 }), async (name, query) => {
        const path = `/namespaces/_/actions/${encodeURIComponent(name)}?${encodeURIComponent(query)}=${encodeURIComponent(query)}`;
        for (const method of ['GET', 'DELETE']) {
          const res = await call(method, path);
          expect(res.status).toBeLessThan(500);
        }
      }),
      { numRuns: 100 },
    );
  });
});
