import type { ActivationRecord } from '../../common/entities/activation';
import { newActivationId } from '../../common/ids';
import type { ActivationPosition, ActivationQuery, ActivationStore } from '../../common/spi/activation-store';
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
export type OpenActivationStore = ((options?: OpenActivationStoreOptions) => Promise<ActivationStore>) & {
  /**
   * Stores records at this location as the adapter did before logs were kept apart from records
   * (logs inside the record). Called while no store of the location is open.
   */
  readonly writeOldLayout: (records: readonly ActivationRecord[]) => Promise<void>;
};

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

      it('lists a namespace newest start first, with logs only when asked', async () => {
        expect(ids(await store.list('ns1', { skip: 0, limit: 30 }))).toEqual(at(5, 4, 3, 2, 1, 0));
        expect(await store.list('ns1', { skip: 0, limit: 30, withLogs: true })).toEqual([...all].reverse());
        expect(await store.list('ns1', { skip: 0, limit: 30 })).toEqual([...all].reverse().map((r) => ({ ...r, logs: [] })));
        expect((await store.page('ns1', { name: 'hello', skip: 1, limit: 2, withLogs: true })).records).toEqual([all[3], all[2]]);
        expect((await store.page('ns1', { minDuration: 0, skip: 0, limit: 1, withLogs: true })).records).toEqual([all[5]]);
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

    describe('filters and cursor paging', () => {
      const C1 = newActivationId();
      const C2 = newActivationId();
      const filtered = (name: string, start: number, statusCode: 0 | 1 | 2 | 3, startKind: string | undefined, duration: number, cause?: string, trigger?: string) =>
        record({
          name,
          start,
          end: start + duration,
          duration,
          response: { statusCode, result: {} },
          ...(cause ? { cause } : {}),
          annotations: [
            { key: 'path', value: `ns1/${name}` },
            ...(startKind ? [{ key: 'startKind', value: startKind }] : []),
            ...(trigger ? [{ key: 'trigger', value: trigger }] : []),
          ],
        });
      let all: ActivationRecord[];
      beforeEach(async () => {
        all = [
          filtered('hello', 2000, 0, 'cold', 10),
          filtered('hello', 2001, 1, 'warm', 500),
          filtered('other', 2002, 2, 'prewarmed', 1500, C1),
          filtered('hello', 2003, 0, 'warm', 20, C1, 'ns1/ticks'),
          filtered('hello', 2004, 1, 'cold', 900),
          filtered('hello', 2005, 3, undefined, 0),
          filtered('other', 2006, 0, 'warm', 30, C2, 'ns1/ticks'),
          filtered('hello', 2007, 1, 'cold', 2000, C1, 'ns1/other ticks'),
        ];
        for (const at of [4, 0, 7, 2, 5, 1, 6, 3]) await store.create(all[at]!);
        await store.create({ ...filtered('hello', 2005, 1, 'cold', 5000, C1), namespace: 'ns2' });
      });
      const at = (...indexes: number[]) => indexes.map((i) => all[i]!.activationId);
      const listed = async (filter: Omit<ActivationQuery, 'skip' | 'limit'>, skip = 0, limit = 30) => ids(await store.list('ns1', { ...filter, skip, limit }));

      it('filters by status', async () => {
        expect(await listed({ status: 0 })).toEqual(at(6, 3, 0));
        expect(await listed({ status: 1 })).toEqual(at(7, 4, 1));
        expect(await listed({ status: 2 })).toEqual(at(2));
        expect(await listed({ status: 3 })).toEqual(at(5));
      });

      it('filters by start kind; a record without one matches none', async () => {
        expect(await listed({ start: 'cold' })).toEqual(at(7, 4, 0));
        expect(await listed({ start: 'warm' })).toEqual(at(6, 3, 1));
        expect(await listed({ start: 'prewarmed' })).toEqual(at(2));
      });

      it('filters by the trigger whose rule invoked a record', async () => {
        expect(await listed({ trigger: 'ns1/ticks' })).toEqual(at(6, 3));
        expect(await listed({ trigger: 'ns1/other ticks' })).toEqual(at(7));
        expect(await listed({ trigger: 'ns1/none' })).toEqual([]);
        expect(await listed({ trigger: 'ns1/ticks', name: 'hello' })).toEqual(at(3));
        expect(await listed({ trigger: 'ns1/ticks', cause: C1 })).toEqual(at(3));
        expect(await listed({ trigger: 'ns1/ticks', minDuration: 25, status: 0, start: 'warm' })).toEqual(at(6));
        expect(await store.count('ns1', { trigger: 'ns1/ticks' })).toBe(2);
        expect(await store.count('ns1', { trigger: 'ns1/ticks', since: 2004 })).toBe(1);
        expect(await store.count('ns1', { trigger: 'ns1/ticks', status: 1 })).toBe(0);
      });

      it('filters by cause and by minimum duration', async () => {
        expect(await listed({ cause: C1 })).toEqual(at(7, 3, 2));
        expect(await listed({ cause: C2 })).toEqual(at(6));
        expect(await listed({ cause: newActivationId() })).toEqual([]);
        expect(await listed({ minDuration: 900 })).toEqual(at(7, 4, 2));
        expect(await listed({ minDuration: 0 })).toEqual(at(7, 6, 5, 4, 3, 2, 1, 0));
        expect(await listed({ minDuration: 2001 })).toEqual([]);
      });

      it('combines filters with each other, with name, with the time range and with skip', async () => {
        expect(await listed({ name: 'hello', status: 1, start: 'cold' })).toEqual(at(7, 4));
        expect(await listed({ name: 'hello', status: 1, start: 'cold', since: 2005 })).toEqual(at(7));
        expect(await listed({ status: 0, upto: 2005 })).toEqual(at(3, 0));
        expect(await listed({ cause: C1, name: 'hello' })).toEqual(at(7, 3));
        expect(await listed({ cause: C1, status: 1, minDuration: 1000 })).toEqual(at(7));
        expect(await listed({ cause: C1, start: 'prewarmed', name: 'other' })).toEqual(at(2));
        expect(await listed({ status: 1, minDuration: 600 })).toEqual(at(7, 4));
        expect(await listed({ status: 1, minDuration: 600, since: 2002, upto: 2006 })).toEqual(at(4));
        expect(await listed({ status: 1 }, 1, 1)).toEqual(at(4));
        expect(await listed({ minDuration: 10 }, 2, 2)).toEqual(at(4, 3));
        expect(await listed({ name: 'other', status: 1 })).toEqual([]);
      });

      it('counts with every filter and their combinations', async () => {
        expect(await store.count('ns1', { status: 1 })).toBe(3);
        expect(await store.count('ns1', { status: 3 })).toBe(1);
        expect(await store.count('ns1', { start: 'cold', name: 'hello' })).toBe(3);
        expect(await store.count('ns1', { start: 'warm', status: 0, name: 'other' })).toBe(1);
        expect(await store.count('ns1', { cause: C1 })).toBe(3);
        expect(await store.count('ns1', { cause: C1, status: 1 })).toBe(1);
        expect(await store.count('ns1', { minDuration: 900 })).toBe(3);
        expect(await store.count('ns1', { status: 1, since: 2002, upto: 2006 })).toBe(1);
        expect(await store.count('ns1', { minDuration: 100, since: 2001, upto: 2004 })).toBe(3);
        expect(await store.count('ns2', { status: 1, start: 'cold', cause: C1 })).toBe(1);
        expect(await store.count('ns1', { start: 'prewarmed', status: 0 })).toBe(0);
      });

      it('pages with a position: each page goes on strictly after the last one, then says it is done', async () => {
        const first = await store.page('ns1', { skip: 0, limit: 3 });
        expect(ids(first.records)).toEqual(at(7, 6, 5));
        expect(first.next).toEqual({ start: 2005, id: all[5]!.activationId });
        const second = await store.page('ns1', { skip: 0, limit: 3, after: first.next! });
        expect(ids(second.records)).toEqual(at(4, 3, 2));
        const third = await store.page('ns1', { skip: 0, limit: 3, after: second.next! });
        expect(ids(third.records)).toEqual(at(1, 0));
        expect(third.next).toBeUndefined();
        const filteredPages = [await store.page('ns1', { status: 1, skip: 0, limit: 2 })];
        filteredPages.push(await store.page('ns1', { status: 1, skip: 0, limit: 2, after: filteredPages[0]!.next! }));
        expect(filteredPages.map((p) => ids(p.records))).toEqual([at(7, 4), at(1)]);
        const checked = await store.page('ns1', { minDuration: 500, skip: 0, limit: 2 });
        expect(ids(checked.records)).toEqual(at(7, 4));
        expect(ids((await store.page('ns1', { minDuration: 500, skip: 0, limit: 2, after: checked.next! })).records)).toEqual(at(2, 1));
        expect(ids((await store.page('ns1', { cause: C1, skip: 0, limit: 30, after: { start: 2007, id: all[7]!.activationId } })).records)).toEqual(at(3, 2));
      });

      it('neither skips nor repeats a record when records are written between pages', async () => {
        const seen: string[] = [];
        let after: ActivationPosition | undefined;
        let newest = 3000;
        for (let pages = 0; pages < 20; pages++) {
          const page = await store.page('ns1', { skip: 0, limit: 2, ...(after ? { after } : {}) });
          seen.push(...ids(page.records));
          // newer records, and one at the very start of the page just read (ordered by id beside it)
          await store.create(filtered('hello', newest++, 1, 'cold', 5));
          if (page.records[0]) await store.create(filtered('hello', page.records[0].start, 0, 'warm', 5));
          if (!page.next) break;
          after = page.next;
        }
        expect(seen).toEqual(at(7, 6, 5, 4, 3, 2, 1, 0));
      });

      it('orders records of one start by id, and a position between them splits them exactly', async () => {
        const same = [record({ start: 9000 }), record({ start: 9000 }), record({ start: 9000 })];
        for (const each of same) await store.create(each);
        const expected = ids(same).sort().reverse();
        const seen: string[] = [];
        let after: ActivationPosition | undefined;
        for (let pages = 0; pages < 3; pages++) {
          const page = await store.page('ns1', { since: 9000, skip: 0, limit: 1, ...(after ? { after } : {}) });
          seen.push(...ids(page.records));
          after = page.next;
        }
        expect(seen).toEqual(expected);
        expect(await store.list('ns1', { since: 9000, skip: 0, limit: 30, withLogs: true })).toEqual(expected.map((id) => same.find((r) => r.activationId === id)));
      });
    });

    describe('logs', () => {
      it("reads a record's logs alone, only in its namespace, and the whole record with get", async () => {
        const written = record({ logs: ['2024-06-10T06:13:20.123456789Z stdout: one', '2024-06-10T06:13:20.123456790Z stderr: "two"\n\ttabbed ünïcödé'] });
        const silent = record({ logs: [] });
        await store.create(written);
        await store.create(silent);
        expect(await store.logs('ns1', written.activationId)).toEqual(written.logs);
        expect(await store.logs('ns1', silent.activationId)).toEqual([]);
        expect(await store.logs('ns2', written.activationId)).toBeUndefined();
        expect(await store.logs('ns1', newActivationId())).toBeUndefined();
        expect(await store.get('ns1', written.activationId)).toEqual(written);
        expect(await store.getById(silent.activationId)).toEqual(silent);
      });

      it('keeps the first record\'s logs when a duplicate create brings others', async () => {
        const first = record({ logs: ['first'] });
        await store.create(first);
        expect(await store.create({ ...first, logs: ['second'] })).toBe('duplicate');
        expect(await store.logs('ns1', first.activationId)).toEqual(['first']);
        expect(await store.getById(first.activationId)).toEqual(first);
      });

      it('reads records stored before logs were kept apart (logs inside the record)', async () => {
        const old = [record({ start: 7000, logs: ['old one'] }), record({ start: 7001, logs: [] }), record({ start: 7002, name: 'other', logs: ['old', 'three'] })];
        await store.close();
        opened.forget(store);
        await open.writeOldLayout(old);
        const reopened = await openTracked();
        const fresh = record({ start: 7003, logs: ['new'] });
        await reopened.create(fresh);
        for (const each of [...old, fresh]) {
          expect(await reopened.get('ns1', each.activationId)).toEqual(each);
          expect(await reopened.getById(each.activationId)).toEqual(each);
          expect(await reopened.logs('ns1', each.activationId)).toEqual(each.logs);
          expect(await reopened.logs('ns2', each.activationId)).toBeUndefined();
        }
        const newestFirst = [fresh, ...[...old].reverse()];
        expect(await reopened.list('ns1', { skip: 0, limit: 30, withLogs: true })).toEqual(newestFirst);
        expect(await reopened.list('ns1', { skip: 0, limit: 30 })).toEqual(newestFirst.map((r) => ({ ...r, logs: [] })));
        expect(await reopened.list('ns1', { name: 'hello', skip: 0, limit: 30, withLogs: true })).toEqual([fresh, old[1], old[0]]);
        expect(await reopened.count('ns1', {})).toBe(4);
        expect(await reopened.count('ns1', { name: 'other' })).toBe(1);
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
        const cause = newActivationId();
        const old = record({ start: 5000, cause, response: { statusCode: 1, result: {} }, annotations: [{ key: 'startKind', value: 'cold' }, { key: 'trigger', value: 'ns1/t' }] });
        await short.create(old);
        expect(await short.get('ns1', old.activationId)).toEqual(old);
        expect(await short.logs('ns1', old.activationId)).toEqual(old.logs);
        await eventually(async () => ((await short.getById(old.activationId)) === undefined ? true : undefined), 5_000, 50);
        // its logs go with it
        expect(await short.logs('ns1', old.activationId)).toBeUndefined();
        const fresh = record({ start: 4000 });
        await short.create(fresh);
        expect(await short.get('ns1', old.activationId)).toBeUndefined();
        expect(ids(await short.list('ns1', { skip: 0, limit: 30 }))).toEqual([fresh.activationId]);
        expect(ids(await short.list('ns1', { name: 'hello', skip: 0, limit: 30 }))).toEqual([fresh.activationId]);
        expect(await short.count('ns1', {})).toBe(1);
        expect(await short.count('ns1', { name: 'hello' })).toBe(1);
        // every index lets go of it
        expect(await short.count('ns1', { status: 1 })).toBe(0);
        expect(await short.count('ns1', { name: 'hello', status: 1, start: 'cold' })).toBe(0);
        expect(await short.count('ns1', { cause })).toBe(0);
        expect(await short.count('ns1', { trigger: 'ns1/t' })).toBe(0);
        expect(await short.list('ns1', { start: 'cold', skip: 0, limit: 30 })).toEqual([]);
        expect(await short.list('ns1', { cause, minDuration: 0, skip: 0, limit: 30 })).toEqual([]);
      });
    });

    describe('durability and sharing', () => {
      it('keeps records, their indexes and live claims across close and reopen', async () => {
        const written = record({ response: { statusCode: 2, result: {} }, annotations: [{ key: 'startKind', value: 'prewarmed' }], cause: newActivationId(), duration: 700 });
        await store.create(written);
        const id = newActivationId();
        await store.claim(id, 'invoker0', 60_000);
        await store.close();
        opened.forget(store);

        const reopened = await openTracked();
        expect(await reopened.get('ns1', written.activationId)).toEqual(written);
        expect(await reopened.logs('ns1', written.activationId)).toEqual(written.logs);
        expect(await reopened.list('ns1', { skip: 0, limit: 30, withLogs: true })).toEqual([written]);
        expect(await reopened.count('ns1', {})).toBe(1);
        expect(await reopened.count('ns1', { name: 'hello', status: 2, start: 'prewarmed' })).toBe(1);
        expect(ids(await reopened.list('ns1', { cause: written.cause!, minDuration: 700, skip: 0, limit: 30 }))).toEqual([written.activationId]);
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
