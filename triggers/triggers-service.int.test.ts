import { Redis } from 'ioredis';
import { createRedisEntityStore } from '../common/adapters/redis/redis-entity-store';
import { createRedisLeaderLock } from '../common/adapters/redis/redis-leader-lock';
import { REGISTRATIONS_NAMESPACE, registrationKey, sealAuth, type RegistrationDoc } from '../common/feeds/registration';
import { silentLogger } from '../common/logging/logger';
import { createNaming } from '../common/naming';
import { parseMessageKey, type MessageKey } from '../common/protocol/message-seal';
import { eventually } from '../test/harness/eventually';
import { deleteKeysWithPrefix, uniqueTestPrefix } from '../test/harness/redis-test-keys';
import { systemClock } from './clock';
import type { FireAnswer } from './fire-verdict';
import type { TriggerClient } from './trigger-client';
import { TriggersService } from './triggers-service';

// Two triggers services over the real Redis entity store and Redis leases, on the real clock:
// an every-second alarm is fired once per tick by whichever holds the lease, and the other one
// takes it over when the holder stops.

const KEY = parseMessageKey('33'.repeat(32)) as MessageKey;
const AUTH = 'c0ffee00-0000-4000-8000-000000000002:secret';

jest.setTimeout(60_000);

describe('TriggersService on Redis', () => {
  const prefix = uniqueTestPrefix();
  const naming = createNaming(prefix);
  const redis = new Redis('redis://127.0.0.1:6379');
  const store = createRedisEntityStore({ redis, naming, logger: silentLogger });
  const fires: { fireId: string; by: string }[] = [];
  const services: TriggersService[] = [];

  const newService = (holder: string) => {
    const client: TriggerClient = {
      fire: async (_auth, _ns, _trigger, _payload, fireId): Promise<FireAnswer> => {
        fires.push({ fireId, by: holder });
        return 202;
      },
      deleteTrigger: async () => undefined,
    };
    const service = new TriggersService({
      store,
      client,
      messageKey: KEY,
      leaseFor: (key) => createRedisLeaderLock({ redis, key: naming.redisKey('triggers', 'lease', key) }),
      holder,
      clock: systemClock,
      logger: silentLogger,
      scanMs: 100,
      leaseMs: 1000,
      backoff: { firstMs: 100, maxMs: 1000 },
    });
    services.push(service);
    service.start();
    return service;
  };

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await deleteKeysWithPrefix(redis, prefix);
    await store.close();
    await redis.quit();
  });

  it('fires each tick once across two replicas, and hands the registration over when the holder stops', async () => {
    const now = Date.now();
    const doc: RegistrationDoc = {
      entityType: 'registration',
      id: 'int',
      namespace: 'guest',
      trigger: 'shared',
      spec: { feed: 'alarm', cron: '* * * * * *', payload: {} },
      params: {},
      sealedAuth: sealAuth(KEY, AUTH, { namespace: 'guest', trigger: 'shared', id: 'int' }),
      status: { active: true, dateChanged: now },
      createdAt: now,
      updatedAt: now,
    };
    expect(await store.put(REGISTRATIONS_NAMESPACE, registrationKey('guest', 'shared'), doc, null)).toMatchObject({ ok: true });
    const a = newService('a');
    const b = newService('b');
    await eventually(async () => (fires.length >= 3 ? true : undefined), 20_000);
    const owners = [a, b].filter((s) => s.owned().length > 0);
    expect(owners).toHaveLength(1);
    const holder = owners[0]!;
    const other = holder === a ? b : a;
    await holder.stop();
    const handedOverAt = fires.length;
    await eventually(async () => (fires.length >= handedOverAt + 2 ? true : undefined), 20_000);
    expect(other.owned()).toEqual(['guest/shared']);
    expect(new Set(fires.map((f) => f.fireId)).size).toBe(fires.length);
    expect(new Set(fires.slice(handedOverAt).map((f) => f.by))).toEqual(new Set([holder === a ? 'b' : 'a']));
  });
});
