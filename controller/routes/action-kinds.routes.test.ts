import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { startControllerUnderTest, type ControllerUnderTest } from '../../test/harness/controller-under-test';

// PUT of python, blackbox and sequence actions over HTTP on the standalone adapters (no
// invoker): hostile exec bodies never get a 5xx, every refusal is {error, code}, and a refused
// write leaves the stored action as it was.

let t: ControllerUnderTest;

beforeAll(async () => {
  t = await startControllerUnderTest(`wisp-unit-kinds-${randomBytes(4).toString('hex')}`);
});

afterAll(async () => {
  await t.stop();
});

const call = (method: string, path: string, body?: string) => t.call(method, `/namespaces/_${path}`, body);

describe('PUT of python, blackbox and sequence actions', () => {
  beforeAll(async () => {
    expect((await call('PUT', '/actions/base', JSON.stringify({ exec: { kind: 'python:3.11', code: 'def main(a):\n    return a\n' } }))).status).toBe(200);
  });

  it('shows a blackbox without its code when asked for code=false', async () => {
    expect((await call('PUT', '/actions/bb', JSON.stringify({ exec: { kind: 'blackbox', image: 'some/image:1', code: 'echo {}', main: 'm' } }))).status).toBe(200);
    expect(((await (await call('GET', '/actions/bb?code=false')).json()) as { exec: unknown }).exec).toEqual({ kind: 'blackbox', image: 'some/image:1', binary: false, main: 'm' });
    expect(((await (await call('GET', '/actions/bb')).json()) as { exec: unknown }).exec).toEqual({ kind: 'blackbox', image: 'some/image:1', code: 'echo {}', binary: false, main: 'm' });
  });

  it('never answers 5xx to hostile exec bodies and leaves the store unchanged on rejection', async () => {
    expect((await call('PUT', '/actions/fuzzed', JSON.stringify({ exec: { kind: 'sequence', components: ['/_/base'] } }))).status).toBe(200);
    let before = await (await call('GET', '/actions/fuzzed')).json();
    const name = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('/_/base', '/guest/base', 'guest/base', '/other/x', '/_/pkg/a', '/_/fuzzed', '/_/bb', '_', '/', '//', '/_/base/'));
    const exec = fc.record(
      {
        kind: fc.constantFrom('sequence', 'blackbox', 'python:3.11', 'python:default', 'python:3', 'nodejs:20', 'BLACKBOX'),
        components: fc.oneof(fc.anything(), fc.array(name, { maxLength: 60 })),
        image: fc.oneof(fc.anything(), fc.string({ maxLength: 300 }), fc.constantFrom('ok/image', 'localhost:5000/x:y', 'UPPER', 'a@sha256:12')),
        code: fc.oneof(fc.anything(), fc.constantFrom('def main(a): return a', 'UEsDBAo=')),
        main: fc.anything(),
      },
      { requiredKeys: ['kind'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(exec, fc.anything()), fc.boolean(), async (execBody, overwrite) => {
        const res = await call('PUT', `/actions/fuzzed?overwrite=${overwrite}`, JSON.stringify({ exec: execBody }));
        expect(res.status).toBeLessThan(500);
        const answer = (await res.json()) as Record<string, unknown>;
        const now = await (await call('GET', '/actions/fuzzed')).json();
        if (res.status >= 400) {
          expect(typeof answer.error).toBe('string');
          expect(answer.code).toBe(res.headers.get('x-request-id'));
          expect(now).toEqual(before);
        } else {
          before = now;
        }
      }),
      { numRuns: 200 },
    );
  });
});
