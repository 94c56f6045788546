import { classifyInit, classifyRun } from './result-classifier';
import type { CallOutcome } from './call-outcome';

const ctx = { timeoutMs: 300, oomKilled: false };
const oom = { timeoutMs: 300, oomKilled: true };
const response = (status: number, body: string): CallOutcome => ({ kind: 'response', status, body });

describe('classifyInit', () => {
  it('lets a 200 through to /run', () => {
    expect(classifyInit(response(200, '{"OK":true}'), ctx)).toEqual({ ok: true });
  });

  it('takes the error field of a non-200 JSON object as the developer error', () => {
    const verdict = classifyInit(response(502, '{"error":"Initialization has failed due to: SyntaxError"}'), ctx);
    expect(verdict).toEqual({ ok: false, timedOut: false, response: { statusCode: 2, result: { error: 'Initialization has failed due to: SyntaxError' } } });
  });

  it('quotes a non-200 body without an error field', () => {
    const verdict = classifyInit(response(500, 'boom'), ctx);
    expect(verdict).toEqual({ ok: false, timedOut: false, response: { statusCode: 2, result: { error: 'The action failed during initialization: boom' } } });
    const object = classifyInit(response(500, '{"x":1}'), ctx);
    expect(object.ok || object.response.result).toEqual({ error: 'The action failed during initialization: {"x":1}' });
  });

  it('reports a dropped connection', () => {
    const verdict = classifyInit({ kind: 'dropped', reason: 'ECONNRESET' }, ctx);
    expect(verdict).toEqual({ ok: false, timedOut: false, response: { statusCode: 2, result: { error: 'The action did not initialize and exited unexpectedly.' } } });
  });

  it('reports a timeout during initialization', () => {
    const verdict = classifyInit({ kind: 'timeout' }, ctx);
    expect(verdict).toEqual({
      ok: false,
      timedOut: true,
      response: { statusCode: 2, result: { error: 'The action exceeded its time limits of 300 milliseconds during initialization.' } },
    });
  });

  it('reports out-of-memory ahead of a drop or a timeout', () => {
    for (const outcome of [{ kind: 'dropped', reason: 'EOF' }, { kind: 'timeout' }] as const) {
      const verdict = classifyInit(outcome, oom);
      expect(verdict).toEqual({ ok: false, timedOut: false, response: { statusCode: 2, result: { error: 'The action exhausted its memory and was aborted.' } } });
    }
  });

  it('quotes the truncated body of an oversize init error', () => {
    const verdict = classifyInit({ kind: 'too-large', status: 502, length: 2000000, max: 1048576, truncated: 'abc' }, ctx);
    expect(verdict).toEqual({ ok: false, timedOut: false, response: { statusCode: 2, result: { error: 'The action failed during initialization: abc' } } });
  });
});

describe('classifyRun', () => {
  it('is a success for a 200 object without error, with the body size', () => {
    expect(classifyRun(response(200, '{"msg":"hi"}'), ctx)).toEqual({ timedOut: false, response: { statusCode: 0, result: { msg: 'hi' }, size: 12 } });
  });

  it('is an application error for a 200 object with error, keeping only the error field', () => {
    expect(classifyRun(response(200, '{"error":{"code":7},"extra":1}'), ctx).response).toEqual({ statusCode: 1, result: { error: { code: 7 } }, size: 30 });
  });

  it('is a success for a 200 array', () => {
    expect(classifyRun(response(200, '[1,2]'), ctx).response).toEqual({ statusCode: 0, result: [1, 2], size: 5 });
  });

  it('is a developer error for a non-200 object, with its error field', () => {
    expect(classifyRun(response(502, '{"error":"An error has occurred: Error: nope"}'), ctx).response).toEqual({
      statusCode: 2,
      result: { error: 'An error has occurred: Error: nope' },
    });
  });

  it('is a developer error quoting the body for a non-200 object without error or a non-200 array', () => {
    for (const body of ['{"a":1}', '[1]']) {
      expect(classifyRun(response(500, body), ctx).response).toEqual({
        statusCode: 2,
        result: { error: `The action did not produce a valid JSON or JSON Array response: ${body}` },
      });
    }
  });

  it('is a developer error for non-JSON and for JSON scalars', () => {
    for (const body of ['hello', '', '42', '"str"', 'null']) {
      expect(classifyRun(response(200, body), ctx).response).toEqual({
        statusCode: 2,
        result: { error: `The action did not produce a valid JSON or JSON Array response: ${body}` },
      });
    }
  });

  it('reports a dropped connection', () => {
    expect(classifyRun({ kind: 'dropped', reason: 'socket hang up' }, ctx)).toEqual({
      timedOut: false,
      response: { statusCode: 2, result: { error: 'The action did not produce a valid response and exited unexpectedly.' } },
    });
  });

  it('reports a timeout and marks it', () => {
    expect(classifyRun({ kind: 'timeout' }, ctx)).toEqual({
      timedOut: true,
      response: { statusCode: 2, result: { error: 'The action exceeded its time limits of 300 milliseconds.' } },
    });
  });

  it('reports out-of-memory ahead of a drop or a timeout', () => {
    for (const outcome of [{ kind: 'dropped', reason: 'EOF' }, { kind: 'timeout' }] as const) {
      expect(classifyRun(outcome, oom)).toEqual({
        timedOut: false,
        response: { statusCode: 2, result: { error: 'The action exhausted its memory and was aborted.' } },
      });
    }
  });

  it('trusts a complete response even when the container was later found OOM-killed', () => {
    expect(classifyRun(response(200, '{}'), oom).response.statusCode).toBe(0);
  });

  it('is an application error for an oversize result, quoting lengths and the truncated text', () => {
    expect(classifyRun({ kind: 'too-large', status: 200, length: 1048577, max: 1048576, truncated: '{"big":"aaa' }, ctx)).toEqual({
      timedOut: false,
      response: {
        statusCode: 1,
        result: {
          error: 'The action produced a response that exceeded the allowed length: 1048577 > 1048576 bytes. The truncated response was: {"big":"aaa',
        },
      },
    });
  });
});
