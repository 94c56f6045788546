import { retry, sleep, TRY_AGAIN } from './retry';

describe('retry', () => {
  it('returns the first value an attempt gives, after asking again on TRY_AGAIN', async () => {
    const seen: number[] = [];
    const value = await retry(async (n) => (seen.push(n), n < 3 ? TRY_AGAIN : `done at ${n}`), { attempts: 5 });
    expect(value).toBe('done at 3');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('throws the exhausted error when every attempt asks again', async () => {
    let calls = 0;
    await expect(retry(async () => (calls++, TRY_AGAIN), { attempts: 4, exhausted: () => new Error('too busy') })).rejects.toThrow('too busy');
    expect(calls).toBe(4);
  });

  it('retries only the errors retryIf accepts, and rethrows the last one when attempts run out', async () => {
    let calls = 0;
    const transient = new Error('transient');
    await expect(retry(async () => { calls++; throw transient; }, { attempts: 3, retryIf: (e) => e === transient })).rejects.toBe(transient);
    expect(calls).toBe(3);

    calls = 0;
    const final = new Error('final');
    await expect(retry(async () => { calls++; throw final; }, { attempts: 3, retryIf: (e) => e === transient })).rejects.toBe(final);
    expect(calls).toBe(1);
  });

  it('doubles the delay up to the cap and reports each retry', async () => {
    const delays: number[] = [];
    await expect(
      retry(async () => TRY_AGAIN, { attempts: 5, minDelayMs: 1, maxDelayMs: 4, onRetry: (_c, _n, ms) => delays.push(ms) }),
    ).rejects.toThrow('gave up after 5 attempts');
    expect(delays).toEqual([1, 2, 4, 4]);
  });

  it('keeps jittered delays under the un-jittered one', async () => {
    const delays: number[] = [];
    await expect(retry(async () => TRY_AGAIN, { attempts: 6, minDelayMs: 2, maxDelayMs: 8, jitter: true, onRetry: (_c, _n, ms) => delays.push(ms) })).rejects.toThrow();
    [2, 4, 8, 8, 8].forEach((cap, i) => expect(delays[i]).toBeLessThan(cap));
  });

  it('stops an endless loop when its signal aborts, during a delay', async () => {
    const controller = new AbortController();
    const reason = new Error('stopping');
    let calls = 0;
    const looping = retry(async () => { calls++; throw new Error('down'); }, { attempts: Infinity, minDelayMs: 10_000, retryIf: () => true, signal: controller.signal });
    await new Promise((r) => setImmediate(r));
    controller.abort(reason);
    await expect(looping).rejects.toBe(reason);
    expect(calls).toBe(1);
  });

  it('does not start when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('already'));
    let calls = 0;
    await expect(retry(async () => ++calls, { attempts: 3, signal: controller.signal })).rejects.toThrow('already');
    expect(calls).toBe(0);
  });
});

describe('sleep', () => {
  it('resolves after the delay without a signal', async () => {
    const started = Date.now();
    await sleep(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4);
  });
});
