import { IntakeQueue } from './intake-queue';

describe('IntakeQueue', () => {
  it('signals pause at capacity and resume at the low-water mark, once each', () => {
    const queue = new IntakeQueue<number>(4);
    expect([1, 2, 3].map((n) => queue.push(n))).toEqual(['none', 'none', 'none']);
    expect(queue.push(4)).toBe('pause');
    expect(queue.push(5)).toBe('none'); // already paused: a fetched message is still accepted
    expect(queue.length).toBe(5);
    expect(queue.shift()).toEqual({ item: 1, signal: 'none' });
    expect(queue.shift()).toEqual({ item: 2, signal: 'none' });
    expect(queue.shift()).toEqual({ item: 3, signal: 'resume' });
    expect(queue.isPaused).toBe(false);
    expect(queue.shift()).toEqual({ item: 4, signal: 'none' });
  });

  it('keeps FIFO order and clears for shutdown', () => {
    const queue = new IntakeQueue<string>(10);
    queue.push('a');
    queue.push('b');
    expect(queue.clear()).toEqual(['a', 'b']);
    expect(queue.shift()).toEqual({ item: undefined, signal: 'none' });
  });

  it('pauses at once with a capacity of one', () => {
    const queue = new IntakeQueue<number>(1);
    expect(queue.push(1)).toBe('pause');
    expect(queue.shift()).toEqual({ item: 1, signal: 'resume' });
  });
});
