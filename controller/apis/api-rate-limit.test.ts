import { ApiRateLimit } from './api-rate-limit';

describe('ApiRateLimit', () => {
  it('lets each (namespace, base path) take its limit per minute, apart from the others', () => {
    let now = 60_000 * 10;
    const limit = new ApiRateLimit(2, () => now);
    expect([limit.take('a', '/shop'), limit.take('a', '/shop'), limit.take('a', '/shop')]).toEqual([true, true, false]);
    expect(limit.take('a', '/other')).toBe(true);
    expect(limit.take('b', '/shop')).toBe(true);
    now += 60_000;
    expect(limit.take('a', '/shop')).toBe(true);
  });

  it('is off at 0', () => {
    const limit = new ApiRateLimit(0);
    expect(Array.from({ length: 100 }, () => limit.take('a', '/')).every(Boolean)).toBe(true);
  });
});
