import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEntityStore } from '../../common/adapters/embedded/embedded-entity-store';
import { createMemoryLeaderLock } from '../../common/adapters/memory/memory-leader-lock';
import { parseMessageSpec, type MessageSpec } from '../../common/feeds/message-spec';
import { REGISTRATIONS_NAMESPACE, registrationKey, sealAuth, type RegistrationDoc } from '../../common/feeds/registration';
import { silentLogger } from '../../common/logging/logger';
import { parseMessageKey, type MessageKey } from '../../common/protocol/message-seal';
import type { EntityStore } from '../../common/spi/entity-store';
import { systemClock } from '../clock';
import type { FireAnswer } from '../fire-verdict';
import type { TriggerClient } from '../trigger-client';
import type { RawMessage } from './message-batch';
import { MessageFeedRunner } from './message-feed-runner';
import type { MessageSource } from './message-source';

// The message feed runner over a real embedded store, a fake source and a fake controller: a
// message is done (its offset may be committed) only once the fire that carried it got a 2xx.

const KEY = parseMessageKey('11'.repeat(32)) as MessageKey;
const AUTH = 'c0ffee00-0000-4000-8000-000000000001:secret';

class FakeSource implements MessageSource {
  deliver: ((message: RawMessage) => void) | undefined;
  readonly doneMessages: RawMessage[] = [];
  forgotten = false;
  /** Start attempts that fail, as with a broker that is not there yet. */
  failStarts = 0;
  healthy = true;
  async start(onMessage: (message: RawMessage) => void): Promise<void> {
    if (this.failStarts > 0) {
      this.failStarts--;
      throw new Error('connect ECONNREFUSED 127.0.0.1:9092');
    }
    this.deliver = onMessage;
  }
  done(messages: readonly RawMessage[]): void {
    this.doneMessages.push(...messages);
  }
  pause(): void {}
  resume(): void {}
  health() {
    return this.healthy ? { ok: true } : { ok: false, reason: 'the Kafka consumer is reconnecting after an error' };
  }
  async close(): Promise<void> {}
  async forget(): Promise<void> {
    this.forgotten = true;
  }
  send(partition: number, offset: number, value: string): RawMessage {
    const raw: RawMessage = { lane: `t/${partition}`, position: String(offset), value: Buffer.from(value), meta: { topic: 't', partition, offset } };
    this.deliver!(raw);
    return raw;
  }
}

class FakeController implements TriggerClient {
  fires: { fireId: string; payload: { messages: { offset: number; value: unknown }[] } }[] = [];
  answers: FireAnswer[] = [];
  async fire(_auth: string, _namespace: string, _trigger: string, payload: Record<string, unknown>, fireId: string): Promise<FireAnswer> {
    this.fires.push({ fireId, payload: payload as never });
    return this.answers.shift() ?? 202;
  }
  async deleteTrigger(): Promise<void> {}
}

async function until(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('MessageFeedRunner', () => {
  let dataDir: string;
  let store: EntityStore;
  let controller: FakeController;
  let source: FakeSource;
  const runners: MessageFeedRunner[] = [];

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'wisp-message-runner-'));
    store = openEmbeddedEntityStore({ dataDir, logger: silentLogger });
    controller = new FakeController();
    source = new FakeSource();
  });

  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (params: Record<string, unknown>, failStarts = 0) => {
    source.failStarts = failStarts;
    const spec: MessageSpec = parseMessageSpec('kafkaFeed', { brokers: '127.0.0.1:9092', topic: 't', ...params });
    const doc: RegistrationDoc = { entityType: 'registration', id: 'reg1', namespace: 'guest', trigger: 'tr', spec, params, sealedAuth: sealAuth(KEY, AUTH, { namespace: 'guest', trigger: 'tr', id: 'reg1' }), status: { active: true, dateChanged: 0 }, createdAt: 0, updatedAt: 0 };
    await store.put(REGISTRATIONS_NAMESPACE, registrationKey('guest', 'tr'), doc, null);
    const runner = new MessageFeedRunner('guest/tr', {
      store,
      client: controller,
      messageKey: KEY,
      clock: systemClock,
      logger: silentLogger,
      lease: createMemoryLeaderLock(),
      holder: 'a',
      leaseMs: 10_000,
      backoff: { firstMs: 10, maxMs: 40 },
      recheckMs: 1000,
      openSource: () => source,
    });
    runners.push(runner);
    await until(() => source.deliver !== undefined, 'the source to start');
    return runner;
  };
  const stored = async () => (await store.get<RegistrationDoc>(REGISTRATIONS_NAMESPACE, 'guest/tr'))?.doc;

  it('fires one partition per batch, in offset order, and marks messages done only after a 2xx', async () => {
    controller.answers = [503, 429];
    await start({ batchSize: 3, batchWindowMs: 20, isJSONData: true });
    for (let offset = 0; offset < 4; offset++) source.send(0, offset, JSON.stringify({ n: offset }));
    source.send(1, 0, '{"p":1}');
    await until(() => source.doneMessages.length === 5, 'every message done');
    // The first batch was refused twice and retried with the same fire id before anything was done.
    expect(controller.fires.map((f) => f.fireId).slice(0, 3)).toEqual(['reg1-t.0:0-2', 'reg1-t.0:0-2', 'reg1-t.0:0-2']);
    expect(new Set(controller.fires.slice(3).map((f) => f.fireId))).toEqual(new Set(['reg1-t.0:3-3', 'reg1-t.1:0-0']));
    expect(controller.fires[0]!.payload.messages.map((m) => m.value)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    await until(async () => (await stored())?.source?.fired === 5, 'the count written');
  });

  it('skips and counts non-JSON and oversize messages without stalling the partition', async () => {
    await start({ batchSize: 10, batchWindowMs: 10, isJSONData: true });
    source.send(0, 0, 'not json');
    source.send(0, 1, JSON.stringify({ big: 'x'.repeat(1_000_001) }));
    source.send(0, 2, '{"ok":true}');
    await until(() => source.doneMessages.length === 3, 'every message done');
    expect(controller.fires.map((f) => f.fireId)).toEqual(['reg1-t.0:2-2']);
    await until(async () => (await stored())?.source?.skipped.notJson === 1 && (await stored())?.source?.skipped.oversize === 1, 'the skip counts written');
  });

  it('disables the registration on a 404 and leaves the batch not done', async () => {
    controller.answers = [404];
    const runner = await start({ batchWindowMs: 0 });
    source.send(0, 0, 'x');
    await until(async () => (await stored())?.status.active === false, 'the registration disabled');
    expect((await stored())?.status.reason).toMatchObject({ kind: 'AUTO', statusCode: 404 });
    expect(source.doneMessages).toEqual([]);
    await until(() => !runner.running, 'the runner to stop');
  });

  it('a broker away shows as retrying with the reason, at start and later, and running again once it is back', async () => {
    await start({ batchWindowMs: 0 }, 2);
    await until(async () => (await stored())?.source?.state === 'running', 'running after two failed starts');
    source.healthy = false;
    await until(async () => (await stored())?.source?.reason === 'the Kafka consumer is reconnecting after an error', 'retrying with the reason');
    expect((await stored())?.source?.state).toBe('retrying');
    source.healthy = true;
    source.send(0, 0, 'back');
    await until(async () => (await stored())?.source?.state === 'running' && (await stored())?.source?.fired === 1, 'running and firing again');
  });

  it('a source that cannot start is retrying, with the broker\'s error as the reason', async () => {
    const spec: MessageSpec = parseMessageSpec('kafkaFeed', { brokers: '127.0.0.1:9092', topic: 't' });
    const doc: RegistrationDoc = { entityType: 'registration', id: 'reg1', namespace: 'guest', trigger: 'tr', spec, params: {}, sealedAuth: sealAuth(KEY, AUTH, { namespace: 'guest', trigger: 'tr', id: 'reg1' }), status: { active: true, dateChanged: 0 }, createdAt: 0, updatedAt: 0 };
    await store.put(REGISTRATIONS_NAMESPACE, 'guest/tr', doc, null);
    source.failStarts = Number.MAX_SAFE_INTEGER;
    runners.push(new MessageFeedRunner('guest/tr', { store, client: controller, messageKey: KEY, clock: systemClock, logger: silentLogger, lease: createMemoryLeaderLock(), holder: 'a', leaseMs: 10_000, backoff: { firstMs: 10, maxMs: 40 }, recheckMs: 1000, openSource: () => source }));
    await until(async () => (await stored())?.source?.state === 'retrying', 'retrying');
    expect((await stored())?.source).toMatchObject({ state: 'retrying', reason: 'connect ECONNREFUSED 127.0.0.1:9092', replica: 'a' });
  });

  it('forgets the consumer group when stopped because the registration was deleted', async () => {
    const runner = await start({});
    await store.delete(REGISTRATIONS_NAMESPACE, 'guest/tr');
    await runner.stop(true);
    expect(source.forgotten).toBe(true);
  });
});
