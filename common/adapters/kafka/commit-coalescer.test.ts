import { CommitCoalescer, type PartitionOffset } from './commit-coalescer';

function recorder(failTimes = 0) {
  const requests: PartitionOffset[][] = [];
  let failuresLeft = failTimes;
  let release: (() => void) | undefined;
  let hold = false;
  const commit = async (offsets: readonly PartitionOffset[]) => {
    requests.push([...offsets]);
    if (hold) await new Promise<void>((resolve) => (release = resolve));
    if (failuresLeft-- > 0) throw new Error('commit failed under test');
  };
  return {
    requests,
    commit,
    holdNext: () => (hold = true),
    releaseHeld: () => {
      hold = false;
      release?.();
    },
  };
}

describe('CommitCoalescer', () => {
  it('turns a burst of offers in one tick into one request with the latest point per partition', async () => {
    const r = recorder();
    const coalescer = new CommitCoalescer(r.commit, () => undefined);
    coalescer.offer(0, '1');
    coalescer.offer(0, '2');
    coalescer.offer(1, '7');
    coalescer.offer(0, '3');
    await coalescer.flush();
    expect(r.requests).toEqual([[{ partition: 0, offset: '3' }, { partition: 1, offset: '7' }]]);
  });

  it('keeps one request in flight and sends what arrived meanwhile right after it', async () => {
    const r = recorder();
    const coalescer = new CommitCoalescer(r.commit, () => undefined);
    r.holdNext();
    coalescer.offer(0, '1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.requests).toHaveLength(1);
    coalescer.offer(0, '2');
    coalescer.offer(0, '5');
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.requests).toHaveLength(1);
    r.releaseHeld();
    await coalescer.flush();
    expect(r.requests).toEqual([[{ partition: 0, offset: '1' }], [{ partition: 0, offset: '5' }]]);
  });

  it('keeps a failed commit for the next attempt unless a newer point supersedes it', async () => {
    const r = recorder(1);
    const errors: unknown[] = [];
    const coalescer = new CommitCoalescer(r.commit, (err) => errors.push(err));
    coalescer.offer(0, '4');
    coalescer.offer(1, '9');
    await coalescer.flush();
    expect(errors).toHaveLength(1);
    // flush retried once, and that retry succeeded with the same points.
    expect(r.requests).toEqual([
      [{ partition: 0, offset: '4' }, { partition: 1, offset: '9' }],
      [{ partition: 0, offset: '4' }, { partition: 1, offset: '9' }],
    ]);
  });

  it('forgets unsent offers on discard', async () => {
    const r = recorder();
    const coalescer = new CommitCoalescer(r.commit, () => undefined);
    coalescer.offer(0, '4');
    coalescer.discard();
    await coalescer.flush();
    expect(r.requests).toEqual([]);
  });

  it('spaces requests by the minimum interval, carrying everything offered meanwhile, and a flush does not wait it out', async () => {
    const r = recorder();
    const coalescer = new CommitCoalescer(r.commit, () => undefined, 10_000);
    coalescer.offer(0, '1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(r.requests).toEqual([[{ partition: 0, offset: '1' }]]);
    for (let n = 2; n <= 6; n++) {
      coalescer.offer(0, String(n));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    coalescer.offer(1, '3');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(r.requests).toHaveLength(1);
    const started = performance.now();
    await coalescer.flush();
    expect(performance.now() - started).toBeLessThan(5000);
    expect(r.requests).toEqual([[{ partition: 0, offset: '1' }], [{ partition: 0, offset: '6' }, { partition: 1, offset: '3' }]]);
  });
});
