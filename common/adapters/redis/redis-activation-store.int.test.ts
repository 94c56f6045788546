import type { ActivationRecord } from '../../entities/activation';
import { newActivationId } from '../../ids';
import { silentLogger } from '../../logging/logger';
import { createNaming } from '../../naming';
import { describeActivationStoreContract } from '../../../test/contracts/activation-store.contract';
import { eventually } from '../../../test/harness/eventually';
import { useRedisTestPrefixes } from '../../../test/harness/redis-test-prefixes';
import { createRedisActivationStore } from './redis-activation-store';
import { keysWithPrefix } from '../../../test/harness/redis-test-keys';

const { redis, newPrefix } = useRedisTestPrefixes();

describeActivationStoreContract(
  'redis',
  async () => {
    const naming = createNaming(newPrefix());
    return Object.assign(async (options?: { retentionMs?: number }) => createRedisActivationStore({ redis, naming, logger: silentLogger, ...options }), {
      // the layout before logs were kept apart: the record key holds the whole record, logs
      // included, and there is no logs key (the indexes were the same)
      writeOldLayout: async (records: readonly ActivationRecord[]) => {
        const writer = createRedisActivationStore({ redis, naming, logger: silentLogger });
        for (const each of records) {
          await writer.create(each);
          expect(await redis.set(naming.redisKey('activation', each.activationId), JSON.stringify(each), 'KEEPTTL', 'XX')).toBe('OK');
          expect(await redis.del(naming.redisKey('activation-logs', each.activationId))).toBe(1);
        }
        await writer.close();
      },
    });
  },
  { sharedAccess: true },
);

const record = (fields: Partial<ActivationRecord> = {}): ActivationRecord => ({
  namespace: 'guest',
  name: 'hello',
  subject: 'guest',
  activationId: newActivationId(),
  start: Date.now(),
  end: Date.now() + 1,
  response: { statusCode: 0, result: {} },
  logs: ['a log line'],
  version: '0.0.1',
  publish: false,
  annotations: [],
  ...fields,
});

describe('redis activation store specifics', () => {
  it('sets the retention as the TTL of the record and of its indexes', async () => {
    const prefix = newPrefix();
    const store = createRedisActivationStore({ redis, naming: createNaming(prefix), logger: silentLogger, retentionMs: 60_000 });
    const written = record();
    await store.create(written);
    const keys = await keysWithPrefix(redis, prefix);
    expect(keys).toEqual([
      `${prefix}:activation-expiry:guest`,
      `${prefix}:activation-filter-index:guest:nhello:s0`,
      `${prefix}:activation-filter-index:guest:s0`,
      `${prefix}:activation-index:guest`,
      `${prefix}:activation-logs:${written.activationId}`,
      `${prefix}:activation-meta:guest`,
      `${prefix}:activation-name-index:guest:hello`,
      `${prefix}:activation:${written.activationId}`,
    ]);
    for (const key of keys) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    await store.close();
  });

  it('prunes index entries of expired records when it lists or counts', async () => {
    const prefix = newPrefix();
    const naming = createNaming(prefix);
    const store = createRedisActivationStore({ redis, naming, logger: silentLogger, retentionMs: 300 });
    // indexes outlive these records because of a later record with a long retention
    const keeper = createRedisActivationStore({ redis, naming, logger: silentLogger, retentionMs: 60_000 });
    const shortLived = [record({ name: 'a' }), record({ name: 'b' }), record({ name: 'a' })];
    for (const each of shortLived) await store.create(each);
    const kept = record({ name: 'a' });
    await keeper.create(kept);
    await eventually(async () => ((await redis.exists(naming.redisKey('activation', shortLived[0]!.activationId))) === 0 ? true : undefined), 5_000);
    await eventually(async () => ((await redis.exists(naming.redisKey('activation', shortLived[2]!.activationId))) === 0 ? true : undefined), 5_000);

    expect(await redis.zcard(naming.redisKey('activation-index', 'guest'))).toBe(4);
    expect(await keeper.count('guest', {})).toBe(1);
    expect(await redis.zcard(naming.redisKey('activation-index', 'guest'))).toBe(1);
    expect(await redis.zcard(naming.redisKey('activation-name-index', 'guest', 'a'))).toBe(1);
    expect(await redis.exists(naming.redisKey('activation-name-index', 'guest', 'b'))).toBe(0);
    expect(await redis.zcard(naming.redisKey('activation-expiry', 'guest'))).toBe(1);
    expect((await keeper.list('guest', { name: 'a', skip: 0, limit: 10 })).map((r) => r.activationId)).toEqual([kept.activationId]);
    await store.close();
    await keeper.close();
  });

  it('forgets an index entry whose record is gone without passing through the expiry set (evicted)', async () => {
    const naming = createNaming(newPrefix());
    const store = createRedisActivationStore({ redis, naming, logger: silentLogger });
    const written = [record({ start: 1000 }), record({ start: 1001 }), record({ start: 1002 })];
    for (const each of written) await store.create(each);
    await redis.del(naming.redisKey('activation', written[1]!.activationId));
    expect((await store.list('guest', { skip: 0, limit: 10, withLogs: true })).map((r) => r.activationId)).toEqual([written[2]!.activationId, written[0]!.activationId]);
    expect(await redis.zrange(naming.redisKey('activation-index', 'guest'), 0, -1)).toEqual([written[0]!.activationId, written[2]!.activationId]);
    expect(await store.list('guest', { skip: 0, limit: 10 })).toEqual([written[2], written[0]].map((r) => ({ ...r!, logs: [] })));
    await store.close();
  });

  it('lets the logs key expire with its record', async () => {
    const naming = createNaming(newPrefix());
    const store = createRedisActivationStore({ redis, naming, logger: silentLogger, retentionMs: 300 });
    const written = record();
    await store.create(written);
    const logsKey = naming.redisKey('activation-logs', written.activationId);
    expect(JSON.parse((await redis.get(logsKey))!)).toEqual({ namespace: 'guest', logs: written.logs });
    expect(await redis.get(naming.redisKey('activation', written.activationId))).not.toContain('a log line');
    await eventually(async () => ((await redis.exists(naming.redisKey('activation', written.activationId))) === 0 ? true : undefined), 5_000);
    expect(await redis.exists(logsKey)).toBe(0);
    await store.close();
  });

  it('lists without reading logs keys, and reads only the logs key for logs', async () => {
    const naming = createNaming(newPrefix());
    const store = createRedisActivationStore({ redis, naming, logger: silentLogger });
    const written = record();
    await store.create(written);
    const logsKey = naming.redisKey('activation-logs', written.activationId);
    // a logs key no parse survives: a list that read it would fail
    await redis.set(logsKey, '{not json', 'KEEPTTL');
    expect(await store.list('guest', { skip: 0, limit: 10 })).toEqual([{ ...written, logs: [] }]);
    await expect(store.list('guest', { skip: 0, limit: 10, withLogs: true })).rejects.toThrow(SyntaxError);
    // and logs reads the logs key alone: it answers with the record key gone
    await redis.set(logsKey, JSON.stringify({ namespace: 'guest', logs: ['only the logs key'] }), 'KEEPTTL');
    await redis.del(naming.redisKey('activation', written.activationId));
    expect(await store.logs('guest', written.activationId)).toEqual(['only the logs key']);
    expect(await store.logs('other', written.activationId)).toBeUndefined();
    await store.close();
  });

  it('counts with a lone ZCOUNT while nothing is due, and never counts an expired record', async () => {
    const naming = createNaming(newPrefix());
    const marker = naming.redisKey('activation-none-expired', 'guest');
    const keeper = createRedisActivationStore({ redis, naming, logger: silentLogger, retentionMs: 60_000 });
    const short = createRedisActivationStore({ redis, naming, logger: silentLogger, retentionMs: 400 });
    await keeper.create(record({ name: 'a' }));
    expect(await redis.exists(marker)).toBe(0);
    expect(await keeper.count('guest', { name: 'a' })).toBe(1);
    // the prune found nothing due and marked it until the oldest entry's expiry
    expect(await redis.pttl(marker)).toBeGreaterThan(55_000);
    // a record with a sooner expiry brings the mark forward, so its expiry is not missed
    const soon = record({ name: 'a' });
    await short.create(soon);
    expect(await redis.pttl(marker)).toBeLessThanOrEqual(400);
    // (a later write with the long retention keeps the indexes alive past the short one's)
    await keeper.create(record({ name: 'a' }));
    expect(await redis.pttl(marker)).toBeLessThanOrEqual(400);
    expect(await keeper.count('guest', { name: 'a' })).toBe(3);
    await eventually(async () => ((await redis.exists(naming.redisKey('activation', soon.activationId))) === 0 ? true : undefined), 5_000);
    expect(await keeper.count('guest', { name: 'a' })).toBe(2);
    expect(await keeper.count('guest', {})).toBe(2);
    expect(await redis.zcard(naming.redisKey('activation-index', 'guest'))).toBe(2);
    expect(await redis.pttl(marker)).toBeGreaterThan(55_000);
    await keeper.close();
    await short.close();
  });

  it('expires the claim after its ttl and the attempt counter after the claim memory', async () => {
    const prefix = newPrefix();
    const naming = createNaming(prefix);
    const store = createRedisActivationStore({ redis, naming, logger: silentLogger, claimMemoryMs: 5_000 });
    const id = newActivationId();
    await store.claim(id, 'invoker0', 1_000);
    const claimTtl = await redis.pttl(naming.redisKey('activation-claim', id));
    const attemptsTtl = await redis.pttl(naming.redisKey('activation-attempts', id));
    expect(claimTtl).toBeGreaterThan(500);
    expect(claimTtl).toBeLessThanOrEqual(1_000);
    expect(attemptsTtl).toBeGreaterThan(4_000);
    expect(attemptsTtl).toBeLessThanOrEqual(5_000);
    await store.close();
  });
});
