import { fireVerdict } from './fire-verdict';

describe('fireVerdict', () => {
  it('counts every 2xx as accepted, 204 (no active rule) included', () => {
    for (const status of [200, 202, 204]) expect(fireVerdict(status, 1)).toEqual({ kind: 'accepted' });
  });

  it('retries 408, 409, 429, 5xx and no answer, doubling the wait up to the cap', () => {
    const backoff = { firstMs: 100, maxMs: 1000 };
    for (const answer of [408, 409, 429, 500, 502, 503, 'unreachable'] as const) expect(fireVerdict(answer, 1, backoff)).toEqual({ kind: 'retry', delayMs: 100 });
    expect([1, 2, 3, 4, 5, 60].map((attempt) => fireVerdict(503, attempt, backoff))).toEqual([100, 200, 400, 800, 1000, 1000].map((delayMs) => ({ kind: 'retry', delayMs })));
  });

  it('disables on any other answer with OpenWhisk provider\'s reason', () => {
    for (const status of [400, 401, 403, 404, 413, 301]) {
      expect(fireVerdict(status, 1)).toEqual({ kind: 'disable', statusCode: status, message: `Automatically disabled after receiving a ${status} status code when firing the trigger` });
    }
  });
});
