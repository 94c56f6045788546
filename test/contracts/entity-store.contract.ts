import type { EntityDocument, EntityStore, EntityType } from '../../common/spi/entity-store';
import { closeAfterEach } from '../harness/close-after-each';

// The EntityStore contract (in the spirit of OpenWhisk's ArtifactStoreBehavior): every adapter's
// test calls describeEntityStoreContract, the embedded store in unit tests over a temp dir, the
// Redis store in integration tests over the real server.

export interface EntityStoreCapabilities {
  /** Two stores open on one location at once work on the same data (several processes on one Redis). */
  readonly sharedAccess: boolean;
}

/** Opens a store on one location; every call opens that same location again. */
export type OpenEntityStore = () => Promise<EntityStore>;

interface TestDoc extends EntityDocument {
  readonly name: string;
  readonly value: number;
  readonly nested?: unknown;
}

const doc = (entityType: EntityType, name: string, value = 1, nested?: unknown): TestDoc => ({
  entityType,
  name,
  value,
  ...(nested !== undefined ? { nested } : {}),
});

export function describeEntityStoreContract(
  name: string,
  newLocation: () => Promise<OpenEntityStore>,
  capabilities: EntityStoreCapabilities,
): void {
  describe(`EntityStore contract: ${name}`, () => {
    let open: OpenEntityStore;
    let store: EntityStore;
    const opened = closeAfterEach<EntityStore>();
    const openTracked = async () => opened.add(await open());

    beforeEach(async () => {
      open = await newLocation();
      store = await openTracked();
    });

    const create = async (ns: string, key: string, value: TestDoc) => {
      const outcome = await store.put(ns, key, value, null);
      if (!outcome.ok) throw new Error(`create ${ns}/${key} failed: ${outcome.reason}`);
      return outcome.revision;
    };

    describe('get and create', () => {
      it('answers undefined for a key never written', async () => {
        expect(await store.get('ns1', 'missing')).toBeUndefined();
      });

      it('creates a document and reads it back with its revision', async () => {
        const written = doc('action', 'hello', 1, { list: [1, 'two', { three: 3 }], text: 'ünïcödé ✓', empty: null });
        const outcome = await store.put('ns1', 'hello', written, null);
        expect(outcome).toEqual({ ok: true, revision: expect.any(String) });
        expect(await store.get('ns1', 'hello')).toEqual({ doc: written, revision: outcome.ok && outcome.revision });
      });

      it("refuses to create over an existing document with 'exists' and leaves it unchanged", async () => {
        const revision = await create('ns1', 'hello', doc('action', 'hello', 1));
        expect(await store.put('ns1', 'hello', doc('action', 'hello', 2), null)).toEqual({ ok: false, reason: 'exists' });
        expect(await store.get('ns1', 'hello')).toEqual({ doc: doc('action', 'hello', 1), revision });
      });

      it("refuses a key that holds another entity type with 'wrong-type', for create and for update", async () => {
        const revision = await create('ns1', 'shared-name', doc('action', 'shared-name', 1));
        expect(await store.put('ns1', 'shared-name', doc('trigger', 'shared-name', 2), null)).toEqual({ ok: false, reason: 'wrong-type' });
        expect(await store.put('ns1', 'shared-name', doc('rule', 'shared-name', 3), revision)).toEqual({ ok: false, reason: 'wrong-type' });
        expect(await store.get('ns1', 'shared-name')).toEqual({ doc: doc('action', 'shared-name', 1), revision });
        expect(await store.count('ns1', 'trigger')).toBe(0);
        expect(await store.count('ns1', 'rule')).toBe(0);
      });

      it('keeps keys with separators and escapes apart', async () => {
        const keys = ['a:b', 'a%3Ab', 'pkg/action', 'with space', 'a'];
        for (const key of keys) await create('x', key, doc('action', key, keys.indexOf(key)));
        await create('x:a', 'b', doc('action', 'b', 99));
        for (const key of keys) expect((await store.get<TestDoc>('x', key))?.doc.value).toBe(keys.indexOf(key));
        expect((await store.get<TestDoc>('x:a', 'b'))?.doc.value).toBe(99);
        expect(await store.get('x', 'b')).toBeUndefined();
        expect(await store.count('x', 'action')).toBe(keys.length);
      });

      it('hands out copies: changing a returned document does not change the stored one', async () => {
        await create('ns1', 'hello', doc('action', 'hello', 1, { inner: 'a' }));
        const first = await store.get<TestDoc>('ns1', 'hello');
        (first!.doc as { nested: { inner: string } }).nested.inner = 'changed';
        expect((await store.get<TestDoc>('ns1', 'hello'))?.doc.nested).toEqual({ inner: 'a' });
      });
    });

    describe('update', () => {
      it('updates with the current revision and hands out a new one', async () => {
        const first = await create('ns1', 'hello', doc('action', 'hello', 1));
        const outcome = await store.put('ns1', 'hello', doc('action', 'hello', 2), first);
        expect(outcome.ok).toBe(true);
        const second = outcome.ok ? outcome.revision : '';
        expect(second).not.toBe(first);
        expect(await store.get('ns1', 'hello')).toEqual({ doc: doc('action', 'hello', 2), revision: second });
      });

      it('changes the revision on every write, even of an identical document', async () => {
        const revisions = [await create('ns1', 'same', doc('action', 'same'))];
        for (let i = 0; i < 5; i++) {
          const outcome = await store.put('ns1', 'same', doc('action', 'same'), revisions[revisions.length - 1]!);
          if (!outcome.ok) throw new Error(outcome.reason);
          revisions.push(outcome.revision);
        }
        expect(new Set(revisions).size).toBe(revisions.length);
      });

      it("refuses a stale revision with 'revision-conflict' and leaves the document unchanged", async () => {
        const stale = await create('ns1', 'hello', doc('action', 'hello', 1));
        const fresh = await store.put('ns1', 'hello', doc('action', 'hello', 2), stale);
        expect(await store.put('ns1', 'hello', doc('action', 'hello', 3), stale)).toEqual({ ok: false, reason: 'revision-conflict' });
        expect(await store.get('ns1', 'hello')).toEqual({ doc: doc('action', 'hello', 2), revision: fresh.ok && fresh.revision });
      });

      it("refuses to update a key that does not exist with 'revision-conflict' and creates nothing", async () => {
        expect(await store.put('ns1', 'ghost', doc('action', 'ghost'), '1-abc')).toEqual({ ok: false, reason: 'revision-conflict' });
        expect(await store.get('ns1', 'ghost')).toBeUndefined();
        expect(await store.count('ns1', 'action')).toBe(0);
        expect(await store.list('ns1', 'action', { skip: 0, limit: 10 })).toEqual([]);
      });

      it('lets exactly one of many concurrent updates with the same expected revision win', async () => {
        const base = await create('ns1', 'contended', doc('action', 'contended', 0));
        const outcomes = await Promise.all(
          Array.from({ length: 25 }, (_, i) => store.put('ns1', 'contended', doc('action', 'contended', i + 1), base)),
        );
        const winners = outcomes.flatMap((outcome, i) => (outcome.ok ? [{ i, revision: outcome.revision }] : []));
        expect(winners).toHaveLength(1);
        expect(outcomes.filter((outcome) => !outcome.ok).every((outcome) => !outcome.ok && outcome.reason === 'revision-conflict')).toBe(true);
        expect(await store.get('ns1', 'contended')).toEqual({ doc: doc('action', 'contended', winners[0]!.i + 1), revision: winners[0]!.revision });
      });

      it('lets exactly one of many concurrent creates of one key win', async () => {
        const outcomes = await Promise.all(Array.from({ length: 25 }, (_, i) => store.put('ns1', 'raced', doc('action', 'raced', i), null)));
        expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
        expect(outcomes.filter((outcome) => !outcome.ok && outcome.reason === 'exists')).toHaveLength(24);
        expect(await store.count('ns1', 'action')).toBe(1);
      });
    });

    describe('delete', () => {
      it('deletes only when the expected revision matches', async () => {
        const revision = await create('ns1', 'hello', doc('action', 'hello'));
        expect(await store.delete('ns1', 'hello', 'not-the-revision')).toBe(false);
        expect(await store.get('ns1', 'hello')).toEqual({ doc: doc('action', 'hello'), revision });
        expect(await store.delete('ns1', 'hello', revision)).toBe(true);
        expect(await store.get('ns1', 'hello')).toBeUndefined();
      });

      it('deletes any revision when none is given, and answers false for a missing key', async () => {
        await create('ns1', 'hello', doc('action', 'hello'));
        expect(await store.delete('ns1', 'hello')).toBe(true);
        expect(await store.delete('ns1', 'hello')).toBe(false);
        expect(await store.delete('ns1', 'never')).toBe(false);
      });

      it('removes the document from list and count, and lets the key be created again with a new revision', async () => {
        const first = await create('ns1', 'hello', doc('trigger', 'hello', 1));
        await create('ns1', 'other', doc('trigger', 'other'));
        await store.delete('ns1', 'hello');
        expect(await store.count('ns1', 'trigger')).toBe(1);
        expect((await store.list<TestDoc>('ns1', 'trigger', { skip: 0, limit: 10 })).map((s) => s.doc.name)).toEqual(['other']);
        const again = await create('ns1', 'hello', doc('rule', 'hello', 2));
        expect(again).not.toBe(first);
        expect(await store.get('ns1', 'hello')).toEqual({ doc: doc('rule', 'hello', 2), revision: again });
        expect(await store.count('ns1', 'rule')).toBe(1);
        expect(await store.count('ns1', 'trigger')).toBe(1);
      });
    });

    describe('list and count', () => {
      const names = async (ns: string, type: EntityType, skip: number, limit: number) =>
        (await store.list<TestDoc>(ns, type, { skip, limit })).map((stored) => stored.doc.name);

      it('lists newest-updated first, with skip and limit', async () => {
        const revisions: Record<string, string> = {};
        for (const key of ['a', 'b', 'c', 'd']) revisions[key] = await create('ns1', key, doc('action', key));
        expect(await names('ns1', 'action', 0, 10)).toEqual(['d', 'c', 'b', 'a']);
        await store.put('ns1', 'b', doc('action', 'b', 2), revisions.b!);
        expect(await names('ns1', 'action', 0, 10)).toEqual(['b', 'd', 'c', 'a']);
        expect(await names('ns1', 'action', 1, 2)).toEqual(['d', 'c']);
        expect(await names('ns1', 'action', 3, 10)).toEqual(['a']);
        expect(await names('ns1', 'action', 4, 10)).toEqual([]);
        expect(await names('ns1', 'action', 0, 0)).toEqual([]);
      });

      it('lists documents with their current revisions', async () => {
        const revision = await create('ns1', 'a', doc('package', 'a'));
        expect(await store.list('ns1', 'package', { skip: 0, limit: 5 })).toEqual([{ doc: doc('package', 'a'), revision }]);
      });

      it('filters by entity type and counts per type', async () => {
        await create('ns1', 'act1', doc('action', 'act1'));
        await create('ns1', 'trg1', doc('trigger', 'trg1'));
        await create('ns1', 'act2', doc('action', 'act2'));
        await create('ns1', 'pkg1', doc('package', 'pkg1'));
        expect(await names('ns1', 'action', 0, 10)).toEqual(['act2', 'act1']);
        expect(await names('ns1', 'trigger', 0, 10)).toEqual(['trg1']);
        expect(await names('ns1', 'rule', 0, 10)).toEqual([]);
        expect(await store.count('ns1', 'action')).toBe(2);
        expect(await store.count('ns1', 'package')).toBe(1);
        expect(await store.count('ns1', 'identity')).toBe(0);
      });

      it('keeps namespaces apart', async () => {
        const one = await create('ns1', 'same', doc('action', 'same', 1));
        const two = await create('ns2', 'same', doc('action', 'same', 2));
        await create('ns2', 'only-two', doc('action', 'only-two'));
        expect(await store.get('ns1', 'same')).toEqual({ doc: doc('action', 'same', 1), revision: one });
        expect(await store.get('ns2', 'same')).toEqual({ doc: doc('action', 'same', 2), revision: two });
        expect(await store.put('ns1', 'same', doc('action', 'same', 3), two)).toEqual({ ok: false, reason: 'revision-conflict' });
        expect(await store.count('ns1', 'action')).toBe(1);
        expect(await names('ns2', 'action', 0, 10)).toEqual(['only-two', 'same']);
        await store.delete('ns2', 'same');
        expect(await store.get('ns1', 'same')).toEqual({ doc: doc('action', 'same', 1), revision: one });
      });
    });

    describe('durability and sharing', () => {
      it('keeps documents, revisions and list order across close and reopen', async () => {
        const a = await create('ns1', 'a', doc('action', 'a'));
        await create('ns1', 'b', doc('action', 'b'));
        const updated = await store.put('ns1', 'a', doc('action', 'a', 2), a);
        await create('ns1', 'gone', doc('action', 'gone'));
        await store.delete('ns1', 'gone');
        await store.close();
        opened.forget(store);

        const reopened = await openTracked();
        expect(await reopened.get('ns1', 'a')).toEqual({ doc: doc('action', 'a', 2), revision: updated.ok && updated.revision });
        expect(await reopened.get('ns1', 'gone')).toBeUndefined();
        expect((await reopened.list<TestDoc>('ns1', 'action', { skip: 0, limit: 10 })).map((s) => s.doc.name)).toEqual(['a', 'b']);
        const next = await reopened.put('ns1', 'a', doc('action', 'a', 3), updated.ok ? updated.revision : '');
        expect(next.ok).toBe(true);
      });

      if (capabilities.sharedAccess) {
        it('lets exactly one writer win when two stores on one location update concurrently', async () => {
          const other = await openTracked();
          const base = await create('ns1', 'shared', doc('action', 'shared', 0));
          const outcomes = await Promise.all(
            Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : other).put('ns1', 'shared', doc('action', 'shared', i + 1), base)),
          );
          expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
          expect(await other.get('ns1', 'shared')).toEqual(await store.get('ns1', 'shared'));
        });
      }
    });
  });
}
