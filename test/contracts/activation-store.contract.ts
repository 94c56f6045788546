import type { ActivationRecord } from '../../common/entities/activation';
import { newActivationId } from '../../common/ids';
import type { ActivationStore } from '../../common/spi/activation-store';
import { eventually } from '../harness/eventually';
import { closeAfterEach } from '../harness/close-after-each';

// The ActivationStore contract: every adapter's test calls describeActivationStoreContract, the
// embedded store in unit tests over a temp dir, the Redis store in integration tests.

export interface ActivationStoreCapabilities {
  /** Two stores open on one location at once work on the same data (several invokers on one Redis). */
  readonly sharedAccess: boolean;
}

export interface OpenActivationStoreOptions {
  readonly retentionMs?: number;
}

/** Opens a store on one location; every call opens that same location again. */
export type OpenActivationStore = (options?: OpenActivationStoreOptions) => Promise<ActivationStore>;

function record(fields: Partial<ActivationRecord> = {}): ActivationRecord {
  const start = fields.start ?? 1_718_000_000_000;
  return {
    namespace: 'ns1',
    name: 'hello',
    subject: 'guest',
    activationId: newActivationId(),
    start,
    end: start + 42,
    duration: 42,
    response: { statusCode: 0, result: { msg: 'hi', nested: [1, { two: 2 }] }, size: 30 },
    logs: ['2024-06-10T06:13:20.123456789Z stdout: hello', '2024-06-10T06:13:20.123456790Z stderr: ünïcödé'],
    version: '0.0.1',
    publish: false,
    annotations: [
      { key: 'path', value: 'ns1/hello' },
      { key: 'limits', value: { timeout: 60000, memory: 256, logs: 10, concurrency: 1 } },
    ],
    ...fields,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeActivationStoreContract(
  name: string,
  newLocation: () => Promise<OpenActivationStore>,
  capabilities: ActivationStoreCapabilities,
): void {
  describe(`ActivationStore contract: ${name}`, () => {
    let open: OpenActivationStore;
    let store: ActivationStore;
    const opened = closeAfterEach<ActivationStore>();
    const openTracked = async (options?: OpenActivationStoreOptions) => opened.add(await open(options));

    beforeEach(async () => {
      open = await newLocation();
      store = await openTracked();
    });

    const ids = (records: readonly ActivationRecord[]) => records.map((r) => r.activationId);

    describe('create and get', () => {
      it('stores a record with its logs and reads it back by namespace and id, and by id alone', async () => {
        const written = record();
        expect(await store.create(written)).toBe('created');
        expect(await store.get('ns1', written.activationId)).toEqual(written);
        expect(await store.getById(written.activationId)).toEqual(written);
      });

      it('answers undefined for an unknown id and for a record of another namespace', async () => {
        const written = record({ namespace: 'ns1' });
        await store.create(written);
        expect(await store.get('ns2', written.activationId)).toBeUndefined();
        expect(await store.get('ns1', newActivationId())).toBeUndefined();
        expect(await store.getById(newActivationId())).toBeUndefined();
      });

      it("answers 'duplicate' to a second create of an id and keeps the first record", async () => {
        const first = record({ response: { statusCode: 0, result: { first: true } } });
        expect(await store.create(first)).toBe('created');
        const second = { ...first, response: { statusCode: 3 as const, result: { error: 'second' } }, logs: [] };
        expect(await store.create(second)).toBe('duplicate');
        expect(await store.create({ ...first, namespace: 'ns2' })).toBe('duplicate');
        expect(await store.get('ns1', first.activationId)).toEqual(first);
        expect(await store.count('ns1', {})).toBe(1);
        expect(await store.count('ns2', {})).toBe(0);
      });

      it('lets exactly one of many concurrent creates of one id win', async () => {
        const activationId = newActivationId();
        const candidates = Array.from({ length: 20 }, (_, i) => record({ activationId, start: 1_000 + i }));
        const outcomes = await Promise.all(candidates.map((candidate) => store.create(candidate)));
        expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(1);
        const winner = candidates[outcomes.indexOf('created')]!;
        expect(await store.get('ns1', activationId)).toEqual(winner);
        expect(ids(await store.list('ns1', { skip: 0, limit: 50 }))).toEqual([activationId]);
      });

      it('refuses a record without the indexed fields and stores nothing', async () => {
        const bad = { ...record(), start: 'yesterday' } as unknown as ActivationRecord;
        await expect(store.create(bad)).rejects.toThrow(/start/);
        expect(await store.getById(bad.activationId)).toBeUndefined();
        expect(await store.count('ns1', {})).toBe(0);
      });
    });

    describe('list and count', () => {
      // start times 1000..1005, two action names, one record in another namespace
      let all: ActivationRecord[];
      beforeEach(async () => {
        all = [
          record({ name: 'hello', start: 1000 }),
          record({ name: 'pkg/other', start: 1001 }),
          record({ name: 'hello', start: 1002 }),
          record({ name: 'hello', start: 1003 }),
          record({ name: 'pkg/other', start: 1004 }),
          record({ name: 'hello', start: 1005 }),
        ];
        // written out of start order: the order of a list comes from `start`, not from writing
        for (const at of [3, 0, 5, 1, 4, 2]) await store.create(all[at]!);
        await store.create(record({ namespace: 'ns2', name: 'hello', start: 1003 }));
      });
      const at = (...indexes: number[]) => indexes.map((i) => all[i]!.activationId);

      it('lists a namespace newest start first', async () => {
        expect(ids(await store.list('ns1', { skip: 0, limit: 30 }))).toEqual(at(5, 4, 3, 2, 1, 0));
        expect(await store.list('ns1', { skip: 0, limit: 30 })).toEqual([...all].reverse());
      });

      it('pages with skip and limit', async () => {
        expect(ids(await store.list('ns1', { skip: 0, limit: 2 }))).toEqual(at(5, 4));
        expect(ids(await store.list('ns1', { skip: 2, limit: 2 }))).toEqual(at(3, 2));
        expect(ids(await store.list('ns1', { skip: 5, limit: 2 }))).toEqual(at(0));
        expect(await store.list('ns1', { skip: 6, limit: 2 })).toEqual([]);
        expect(await store.list('ns1', { skip: 0, limit: 0 })).toEqual([]);
      });

      it('filters by name', async () => {
        expect(ids(await store.list('ns1', { name: 'hello', skip: 0, limit: 30 }))).toEqual(at(5, 3, 2, 0));
        expect(ids(await store.list('ns1', { name: 'pkg/other', skip: 1, limit: 30 }))).toEqual(at(1));
        expect(await store.list('ns1', { name: 'nothing', skip: 0, limit: 30 })).toEqual([]);
      });

      it('filters by since and upto, both inclusive, alone and with a name', async () => {
        expect(ids(await store.list('ns1', { since: 1002, skip: 0, limit: 30 }))).toEqual(at(5, 4, 3, 2));
        expect(ids(await store.list('ns1', { upto: 1002, skip: 0, limit: 30 }))).toEqual(at(2, 1, 0));
        expect(ids(await store.list('ns1', { since: 1001, upto: 1004, skip: 1, limit: 2 }))).toEqual(at(3, 2));
        expect(ids(await store.list('ns1', { name: 'hello', since: 1001, upto: 1004, skip: 0, limit: 30 }))).toEqual(at(3, 2));
        expect(await store.list('ns1', { since: 1006, skip: 0, limit: 30 })).toEqual([]);
      });

      it('counts with the same filters', async () => {
        expect(await store.count('ns1', {})).toBe(6);
        expect(await store.count('ns1', { name: 'hello' })).toBe(4);
        expect(await store.count('ns1', { since: 1002 })).toBe(4);
        expect(await store.count('ns1', { upto: 1002 })).toBe(3);
        expect(await store.count('ns1', { name: 'pkg/other', since: 1002, upto: 1005 })).toBe(1);
        expect(await store.count('ns1', { name: 'nothing' })).toBe(0);
      });

      it('keeps namespaces apart', async () => {
        expect(await store.count('ns2', {})).toBe(1);
        expect((await store.list('ns2', { skip: 0, limit: 30 }))[0]?.namespace).toBe('ns2');
        expect(await store.list('ns3', { skip: 0, limit: 30 })).toEqual([]);
        expect(await store.count('ns3', { name: 'hello' })).toBe(0);
      });
    });

    describe('claims', () => {
      it('grants the first claim as attempt 1 and refuses others while it is live', async () => {
        const id = newActivationId();
        expect(await store.claim(id, 'invoker0', 10_000)).toEqual({ granted: true, attempt: 1 });
        expect(await store.claim(id, 'invoker1', 10_000)).toEqual({ granted: false, holder: 'invoker0' });
        expect(await store.claim(id, 'invoker0', 10_000)).toEqual({ granted: false, holder: 'invoker0' });
        expect(await store.claim(newActivationId(), 'invoker1', 10_000)).toEqual({ granted: true, attempt: 1 });
      });

      it('grants an expired claim again with the next attempt number', async () => {
        const id = newActivationId();
        expect(await store.claim(id, 'invoker0', 100)).toEqual({ granted: true, attempt: 1 });
        await sleep(200);
        expect(await store.claim(id, 'invoker1', 100)).toEqual({ granted: true, attempt: 2 });
        expect(await store.claim(id, 'invoker0', 100)).toEqual({ granted: false, holder: 'invoker1' });
        await sleep(200);
        expect(await store.claim(id, 'invoker0', 10_000)).toEqual({ granted: true, attempt: 3 });
      });

      it('takes over a live claim of exactly the superseded holder, with the next attempt number', async () => {
        const id = newActivationId();
        expect(await store.claim(id, 'invoker0@first', 60_000)).toEqual({ granted: true, attempt: 1 });
        // A holder that is not the superseded one keeps its claim.
        expect(await store.claim(id, 'invoker0@second', 60_000, { supersedes: 'invoker0@other' })).toEqual({ granted: false, holder: 'invoker0@first' });
        expect(await store.claim(id, 'invoker0@second', 60_000, { supersedes: 'invoker0@first' })).toEqual({ granted: true, attempt: 2 });
        // Taken over once: the old holder can no longer be superseded, the new one holds it.
        expect(await store.claim(id, 'invoker0@third', 60_000, { supersedes: 'invoker0@first' })).toEqual({ granted: false, holder: 'invoker0@second' });
        expect(await store.claim(newActivationId(), 'invoker1', 60_000, { supersedes: 'invoker0@first' })).toEqual({ granted: true, attempt: 1 });
      });

      it('grants exactly one of many concurrent claims', async () => {
        const id = newActivationId();
        const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => store.claim(id, `invoker${i}`, 10_000)));
        const granted = outcomes.filter((outcome) => outcome.granted);
        expect(granted).toEqual([{ granted: true, attempt: 1 }]);
        const holder = `invoker${outcomes.findIndex((outcome) => outcome.granted)}`;
        expect(outcomes.filter((outcome) => !outcome.granted)).toEqual(Array(19).fill({ granted: false, holder }));
      });
    });

    describe('retention', () => {
      it('drops records once their retention has passed, from get, list and count', async () => {
        // a location of its own: a store that allows one opener per location has `store` open here
        const openShort = await newLocation();
        const short = await openShort({ retentionMs: 300 });
        opened.add(short);
        const old = record({ start: 5000 });
        await short.create(old);
        expect(await short.get('ns1', old.activationId)).toEqual(old);
        await eventually(async () => ((await short.getById(old.activationId)) === undefined ? true : undefined), 5_000, 50);
        const fresh = record({ start: 4000 });
        await short.create(fresh);
        expect(await short.get('ns1', old.activationId)).toBeUndefined();
        expect(ids(await short.list('ns1', { skip: 0, limit: 30 }))).toEqual([fresh.activationId]);
        expect(ids(await short.list('ns1', { name: 'hello', skip: 0, limit: 30 }))).toEqual([fresh.activationId]);
        expect(await short.count('ns1', {})).toBe(1);
        expect(await short.count('ns1', { name: 'hello' })).toBe(1);
      });
    });

    describe('durability and sharing', () => {
      it('keeps records and live claims across close and reopen', async () => {
        const written = record();
        await store.create(written);
        const id = newActivationId();
        await store.claim(id, 'invoker0', 60_000);
        await store.close();
        opened.forget(store);

        const reopened = await openTracked();
        expect(await reopened.get('ns1', written.activationId)).toEqual(written);
        expect(await reopened.count('ns1', {})).toBe(1);
        expect(await reopened.create(written)).toBe('duplicate');
        expect(await reopened.claim(id, 'invoker1', 60_000)).toEqual({ granted: false, holder: 'invoker0' });
      });

      if (capabilities.sharedAccess) {
        it('grants exactly one claim and one create across two stores on one location', async () => {
          const other = await openTracked();
          const id = newActivationId();
          const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? store : other).claim(id, `invoker${i}`, 10_000)));
          expect(claims.filter((outcome) => outcome.granted)).toHaveLength(1);
          const written = record();
          const creates = await Promise.all([store.create(written), other.create(written)]);
          expect(creates.sort()).toEqual(['created', 'duplicate']);
        });
      }
    });
  });
}
