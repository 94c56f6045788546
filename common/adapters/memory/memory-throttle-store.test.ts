import { describeThrottleStoreContract } from '../../../test/contracts/throttle-store.contract';
import { createMemoryThrottleStore } from './memory-throttle-store';

describeThrottleStoreContract('memory', async () => () => createMemoryThrottleStore(), { sharedAccess: false });

describe('memory throttle store', () => {
  it('reads time from the clock it is given: windows and deadlines follow it', async () => {
    let now = 1_000_000;
    const store = createMemoryThrottleStore({ now: () => now });
    expect(await store.hit('k', 60_000, 1)).toEqual({ allowed: true, count: 1 });
    expect(await store.hit('k', 60_000, 1)).toEqual({ allowed: false, count: 2 });
    now += 60_000;
    expect(await store.hit('k', 60_000, 1)).toEqual({ allowed: true, count: 1 });

    expect(await store.acquire('ns', 'a', now + 10, 1)).toEqual({ allowed: true, count: 1 });
    now += 10;
    expect(await store.acquire('ns', 'b', now + 10, 1)).toEqual({ allowed: true, count: 1 });
    await store.close();
  });
});
