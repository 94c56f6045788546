import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEntityStore } from '../common/adapters/embedded/embedded-entity-store';
import { createMemoryLeaderLock, newMemoryLeaderLockLocation, type MemoryLeaderLockLocation } from '../common/adapters/memory/memory-leader-lock';
import type { AlarmSpec } from '../common/feeds/alarm-spec';
import { REGISTRATIONS_NAMESPACE, registrationKey, sealAuth, type RegistrationDoc } from '../common/feeds/registration';
import { silentLogger } from '../common/logging/logger';
import { parseMessageKey, type MessageKey } from '../common/protocol/message-seal';
import type { EntityStore } from '../common/spi/entity-store';
import type { Clock } from './clock';
import type { FireAnswer } from './fire-verdict';
import type { TriggerClient } from './trigger-client';
import { TriggersService } from './triggers-service';

// The service's drivers over a real embedded store and memory leases, with a fake clock that the
// test moves and a fake controller that records every fire: what is fired, and when the
// position moves, follows from the answers alone.

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const KEY = parseMessageKey('11'.repeat(32)) as MessageKey;
const AUTH = 'c0ffee00-0000-4000-8000-000000000001:secret';

class FakeClock implements Clock {
  sleepers: { at: number; wake: () => void }[] = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const sleeper = { at: this.t + Math.max(0, ms), wake: () => undefined as void };
      sleeper.wake = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      };
      this.sleepers.push(sleeper);
      signal.addEventListener('abort', sleeper.wake, { once: true });
    });
  }
  advance(ms: number): void {
    this.t += ms;
    for (const sleeper of this.sleepers.filter((s) => s.at <= this.t)) sleeper.wake();
  }
}

interface Fire {
  readonly trigger: string;
  readonly fireId: string;
  readonly auth: string;
}

class FakeController implements TriggerClient {
  fires: Fire[] = [];
  deleted: { trigger: string; withRules: boolean }[] = [];
  answers: FireAnswer[] = [];
  async fire(auth: string, namespace: string, trigger: string, _payload: Record<string, unknown>, fireId: string): Promise<FireAnswer> {
    this.fires.push({ trigger: `${namespace}/${trigger}`, fireId, auth });
    return this.answers.shift() ?? 202;
  }
  async deleteTrigger(_auth: string, namespace: string, trigger: string, withRules: boolean): Promise<void> {
    this.deleted.push({ trigger: `${namespace}/${trigger}`, withRules });
  }
}

async function until(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('TriggersService', () => {
  let dataDir: string;
  let store: EntityStore;
  let clock: FakeClock;
  let controller: FakeController;
  let locations: Map<string, MemoryLeaderLockLocation>;
  const services: TriggersService[] = [];

  const newService = (holder: string) => {
    const service = new TriggersService({
      store,
      client: controller,
      messageKey: KEY,
      leaseFor: (key) => {
        const location = locations.get(key) ?? newMemoryLeaderLockLocation();
        locations.set(key, location);
        return createMemoryLeaderLock(location, () => clock.now());
      },
      holder,
      clock,
      logger: silentLogger,
      scanMs: 1000,
      leaseMs: 10_000,
      backoff: { firstMs: 100, maxMs: 1000 },
    });
    services.push(service);
    return service;
  };

  const register = async (trigger: string, spec: AlarmSpec, extra: Partial<RegistrationDoc> = {}) => {
    const id = `id-${trigger}`;
    const doc: RegistrationDoc = {
      entityType: 'registration',
      id,
      namespace: 'guest',
      trigger,
      spec,
      params: {},
      sealedAuth: sealAuth(KEY, AUTH, { namespace: 'guest', trigger, id }),
      status: { active: true, dateChanged: T0 },
      createdAt: T0,
      updatedAt: T0,
      ...extra,
    };
    expect(await store.put(REGISTRATIONS_NAMESPACE, registrationKey('guest', trigger), doc, null)).toMatchObject({ ok: true });
  };
  const stored = async (trigger: string) => (await store.get<RegistrationDoc>(REGISTRATIONS_NAMESPACE, registrationKey('guest', trigger)))?.doc;
  const sleeping = (count: number) => until(() => clock.sleepers.length === count, `${count} runner(s) asleep`);

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'wisp-triggers-service-'));
    store = openEmbeddedEntityStore({ dataDir, logger: silentLogger });
    clock = new FakeClock(T0);
    controller = new FakeController();
    locations = new Map();
  });

  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.stop()));
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('two replicas over one lease: each tick is fired once, by the holder, and the other takes over when it stops', async () => {
    await register('every-second', { feed: 'alarm', cron: '* * * * * *', payload: {} });
    const a = newService('a');
    const b = newService('b');
    await a.scanOnce();
    await b.scanOnce();
    expect(a.owned()).toEqual(['guest/every-second']);
    expect(b.owned()).toEqual([]);
    for (let tick = 1; tick <= 4; tick++) {
      await sleeping(1);
      clock.advance(1000);
      await until(() => controller.fires.length === tick, `fire ${tick}`);
      await b.scanOnce();
    }
    await sleeping(1);
    expect(controller.fires.map((f) => f.fireId)).toEqual([1, 2, 3, 4].map((s) => `id-every-second-${T0 + s * 1000}`));
    expect(controller.fires.every((f) => f.auth === AUTH)).toBe(true);
    expect((await stored('every-second'))?.lastTick).toBe(T0 + 4000);

    await a.stop();
    await b.scanOnce();
    expect(b.owned()).toEqual(['guest/every-second']);
    await sleeping(1);
    clock.advance(1000);
    await until(() => controller.fires.length === 5, 'the fifth fire, from the other replica');
    expect(controller.fires[4]?.fireId).toBe(`id-every-second-${T0 + 5000}`);
  });

  it('retries a refused tick with the same fire id, moving the position only on a 2xx', async () => {
    await register('flaky', { feed: 'alarm', cron: '* * * * * *', payload: {} });
    controller.answers = [503, 429];
    const service = newService('a');
    await service.scanOnce();
    await sleeping(1);
    clock.advance(1000);
    await until(() => controller.fires.length === 1, 'the first attempt');
    await sleeping(1);
    expect((await stored('flaky'))?.lastTick).toBeUndefined();
    clock.advance(100);
    await until(() => controller.fires.length === 2, 'the second attempt');
    await sleeping(1);
    clock.advance(200);
    await until(() => controller.fires.length === 3, 'the third attempt');
    await until(async () => (await stored('flaky'))?.lastTick === T0 + 1000, 'the position to move');
    expect(new Set(controller.fires.map((f) => f.fireId))).toEqual(new Set([`id-flaky-${T0 + 1000}`]));
  });

  it('disables the registration on a 404 with a reason READ shows, and fires no more', async () => {
    await register('gone', { feed: 'alarm', cron: '* * * * * *', payload: {} });
    controller.answers = [404];
    const service = newService('a');
    await service.scanOnce();
    await sleeping(1);
    clock.advance(1000);
    await until(async () => (await stored('gone'))?.status.active === false, 'the registration to be disabled');
    expect((await stored('gone'))?.status).toEqual({ active: false, dateChanged: T0 + 1000, reason: { kind: 'AUTO', statusCode: 404, message: 'Automatically disabled after receiving a 404 status code when firing the trigger' } });
    await service.scanOnce();
    expect(service.owned()).toEqual([]);
    clock.advance(5000);
    expect(controller.fires).toHaveLength(1);
  });

  it('after a restart fires the newest missed tick once, not every missed one', async () => {
    await register('missed', { feed: 'alarm', cron: '* * * * * *', payload: {} }, { lastTick: T0 + 1000 });
    clock.t = T0 + 30_400;
    const service = newService('a');
    await service.scanOnce();
    await until(() => controller.fires.length === 1, 'the catch-up fire');
    await sleeping(1);
    expect(controller.fires.map((f) => f.fireId)).toEqual([`id-missed-${T0 + 30_000}`]);
    expect(clock.sleepers[0]?.at).toBe(T0 + 31_000);
  });

  it('once with deleteAfterFire: fires, deletes the trigger and its rules, and removes the registration', async () => {
    await register('once', { feed: 'once', date: T0 + 2000, deleteAfterFire: 'rules', payload: {} });
    const service = newService('a');
    await service.scanOnce();
    await sleeping(1);
    clock.advance(2000);
    await until(async () => (await stored('once')) === undefined, 'the registration to go');
    expect(controller.fires).toHaveLength(1);
    expect(controller.deleted).toEqual([{ trigger: 'guest/once', withRules: true }]);
  });

  it('once without deleteAfterFire: disabled after firing, as OpenWhisk says', async () => {
    await register('once-kept', { feed: 'once', date: T0 + 2000, deleteAfterFire: 'false', payload: {} });
    const service = newService('a');
    await service.scanOnce();
    await sleeping(1);
    clock.advance(2000);
    await until(async () => (await stored('once-kept'))?.status.active === false, 'the registration to be disabled');
    expect((await stored('once-kept'))?.status.reason?.message).toBe('Automatically disabled after firing once');
    expect(controller.deleted).toEqual([]);
  });

  it('an UPDATE made while the runner waits for a far tick is seen at the next scan', async () => {
    await register('changed', { feed: 'alarm', cron: '0 0 1 1 *', payload: {} });
    const service = newService('a');
    await service.scanOnce();
    await sleeping(1);
    expect(clock.sleepers[0]!.at - clock.t).toBe(30_000);
    const current = await store.get<RegistrationDoc>(REGISTRATIONS_NAMESPACE, registrationKey('guest', 'changed'));
    await store.put(REGISTRATIONS_NAMESPACE, registrationKey('guest', 'changed'), { ...current!.doc, spec: { feed: 'alarm', cron: '* * * * * *', payload: {} } }, current!.revision);
    await service.scanOnce();
    await until(() => clock.sleepers.length === 1 && clock.sleepers[0]!.at === T0 + 1000, 'the runner to wait for the new schedule');
    clock.advance(1000);
    await until(() => controller.fires.length === 1, 'the first fire of the new schedule');
    // Its own position write does not count as a change: the scan leaves it asleep.
    await sleeping(1);
    await service.scanOnce();
    expect(clock.sleepers).toHaveLength(1);
    expect(clock.sleepers[0]!.at).toBe(T0 + 2000);
  });

  it('a key sealed with another message key disables the registration instead of firing', async () => {
    await register('other-key', { feed: 'alarm', cron: '* * * * * *', payload: {} }, { sealedAuth: sealAuth(parseMessageKey('22'.repeat(32))!, AUTH, { namespace: 'guest', trigger: 'other-key', id: 'id-other-key' }) });
    const service = newService('a');
    await service.scanOnce();
    await sleeping(1);
    clock.advance(1000);
    await until(async () => (await stored('other-key'))?.status.active === false, 'the registration to be disabled');
    expect(controller.fires).toEqual([]);
  });
});
