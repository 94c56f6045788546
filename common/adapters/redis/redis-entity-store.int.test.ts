import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../logging/logger';
import { createNaming } from '../../naming';
import { describeEntityStoreContract } from '../../../test/contracts/entity-store.contract';
import { REDIS_TEST_URL, useRedisTestPrefixes } from '../../../test/harness/redis-test-prefixes';
import { createRedisEntityStore } from './redis-entity-store';
import { defineScript, runScript } from './redis-scripts';
import { keysWithPrefix } from '../../../test/harness/redis-test-keys';

const { redis, newPrefix } = useRedisTestPrefixes();

describeEntityStoreContract(
  'redis',
  async () => {
    const naming = createNaming(newPrefix());
    return async () => createRedisEntityStore({ redis, naming, logger: silentLogger });
  },
  { sharedAccess: true },
);

describe('redis entity store specifics', () => {
  it('puts every key under the prefix: one hash per document, one sorted set per (namespace, type)', async () => {
    const prefix = newPrefix();
    const store = createRedisEntityStore({ redis, naming: createNaming(prefix), logger: silentLogger });
    await store.put('guest', 'hello', { entityType: 'action' }, null);
    await store.put('guest', 'fire', { entityType: 'trigger' }, null);
    expect(await keysWithPrefix(redis, prefix)).toEqual([
      `${prefix}:entity-index:guest:action`,
      `${prefix}:entity-index:guest:trigger`,
      `${prefix}:entity:guest:fire`,
      `${prefix}:entity:guest:hello`,
    ]);
    await store.delete('guest', 'hello');
    await store.delete('guest', 'fire');
    expect(await keysWithPrefix(redis, prefix)).toEqual([]);
    await store.close();
  });

  it('leaves a shared connection open on close, and closes one it opened from a URL', async () => {
    const prefix = newPrefix();
    const shared = createRedisEntityStore({ redis, naming: createNaming(prefix), logger: silentLogger });
    await shared.close();
    expect(await redis.ping()).toBe('PONG');
    await expect(shared.get('ns', 'a')).rejects.toThrow(/closed/);

    const owned = createRedisEntityStore({ redis: REDIS_TEST_URL, naming: createNaming(prefix), logger: silentLogger });
    expect(await owned.put('ns', 'a', { entityType: 'action' }, null)).toMatchObject({ ok: true });
    await owned.close();
    const reader = createRedisEntityStore({ redis, naming: createNaming(prefix), logger: silentLogger });
    expect(await reader.count('ns', 'action')).toBe(1);
    await reader.close();
  });

  it('loads a script the server does not know yet (NOSCRIPT) and runs it by SHA afterwards', async () => {
    // a script no run has loaded before: flushing the server's script cache would disturb other tests
    const token = randomBytes(8).toString('hex');
    const script = defineScript('probe', `return ARGV[1] .. '${token}'`);
    expect(await redis.script('EXISTS', script.sha)).toEqual([0]);
    expect(await runScript(redis, script, [], ['first-'])).toBe(`first-${token}`);
    expect(await redis.script('EXISTS', script.sha)).toEqual([1]);
    expect(await runScript(redis, script, [], ['again-'])).toBe(`again-${token}`);
  });
});
