import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  it('serves a loaded value until the TTL passes, then loads again', async () => {
    let now = 0;
    let loads = 0;
    const cache = new TtlCache<number>(100, 10, () => now);
    const load = async () => ++loads;
    expect(await cache.get('k', load)).toBe(1);
    now = 99;
    expect(await cache.get('k', load)).toBe(1);
    now = 100;
    expect(await cache.get('k', load)).toBe(2);
  });

  it('shares one load among concurrent misses, and keeps a value loaded across a delete out of the cache', async () => {
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const cache = new TtlCache<number>(1000, 10);
    const load = async () => {
      await gate;
      return ++loads;
    };
    const first = cache.get('k', load);
    const second = cache.get('k', load);
    cache.delete('k');
    release();
    expect(await Promise.all([first, second])).toEqual([1, 1]);
    expect(await cache.get('k', async () => ++loads)).toBe(2);
  });

  it('clears itself when full and does not cache failures or a TTL of 0', async () => {
    const cache = new TtlCache<string>(1000, 2);
    await cache.get('a', async () => 'a');
    await cache.get('b', async () => 'b');
    await cache.get('c', async () => 'c');
    expect(await cache.get('a', async () => 'a2')).toBe('a2');
    await expect(cache.get('x', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('x', async () => 'up')).toBe('up');
    const uncached = new TtlCache<number>(0, 10);
    let n = 0;
    await uncached.get('k', async () => ++n);
    expect(await uncached.get('k', async () => ++n)).toBe(2);
  });
});
