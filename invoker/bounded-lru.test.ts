import { BoundedLru } from './bounded-lru';

describe('BoundedLru', () => {
  it('evicts the least recently used entry past the count bound', () => {
    const lru = new BoundedLru<string>(2, 1000, (v) => v.length);
    lru.set('a', 'x');
    lru.set('b', 'y');
    expect(lru.get('a')).toBe('x');
    lru.set('c', 'z');
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe('x');
    expect(lru.get('c')).toBe('z');
  });

  it('evicts past the weight bound and refuses what alone exceeds it', () => {
    const lru = new BoundedLru<string>(10, 10, (v) => v.length);
    lru.set('a', 'aaaa');
    lru.set('b', 'bbbb');
    lru.set('c', 'cccc');
    expect(lru.size).toBe(2);
    expect(lru.totalWeight).toBe(8);
    expect(lru.get('a')).toBeUndefined();
    lru.set('huge', 'h'.repeat(11));
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.size).toBe(2);
  });

  it('replaces an entry and keeps the weight right', () => {
    const lru = new BoundedLru<string>(10, 100, (v) => v.length);
    lru.set('a', 'aaaa');
    lru.set('a', 'aa');
    expect(lru.totalWeight).toBe(2);
    lru.delete('a');
    expect(lru.totalWeight).toBe(0);
    expect(lru.size).toBe(0);
  });
});
