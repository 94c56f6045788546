import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../logging/logger';
import type { EntityDocument } from '../../spi/entity-store';
import { describeEntityStoreContract } from '../../../test/contracts/entity-store.contract';
import { useTempDirs } from '../../../test/harness/temp-dirs';
import { DataDirInUseError } from './data-dir-lock';
import { ENTITY_JOURNAL_FILE, openEmbeddedEntityStore } from './embedded-entity-store';
import { encodeEntry, JournalCorruptError } from './journal-framing';

const newDataDir = useTempDirs('wisp-embedded-entities');

describeEntityStoreContract(
  'embedded',
  async () => {
    const dataDir = newDataDir();
    return async () => openEmbeddedEntityStore({ dataDir, logger: silentLogger });
  },
  { sharedAccess: false },
);

interface Doc extends EntityDocument {
  readonly body: string;
}
const action = (body: string): Doc => ({ entityType: 'action', body });

/** A fresh data dir whose store was closed holding `bodies` as actions ns/a, ns/b, …; and its journal. */
async function closedStoreHolding(...bodies: string[]): Promise<{ dataDir: string; journal: string }> {
  const dataDir = newDataDir();
  const store = openEmbeddedEntityStore({ dataDir, logger: silentLogger });
  for (const [i, body] of bodies.entries()) await store.put('ns', String.fromCharCode(97 + i), action(body), null);
  await store.close();
  return { dataDir, journal: join(dataDir, ENTITY_JOURNAL_FILE) };
}

describe('embedded entity store on disk', () => {
  it('refuses a second opener of the same data dir, naming the dir and the pid, and allows one after close', async () => {
    const dataDir = newDataDir();
    const store = openEmbeddedEntityStore({ dataDir, logger: silentLogger });
    expect(() => openEmbeddedEntityStore({ dataDir, logger: silentLogger })).toThrow(DataDirInUseError);
    expect(() => openEmbeddedEntityStore({ dataDir, logger: silentLogger })).toThrow(`data dir ${dataDir} is in use by pid ${process.pid}`);
    await store.close();
    const again = openEmbeddedEntityStore({ dataDir, logger: silentLogger });
    await again.close();
  });

  it('tolerates a torn last entry: cuts it away, keeps every entry before it, and appends after it', async () => {
    const { dataDir, journal } = await closedStoreHolding('one', 'two');
    const intact = statSync(journal).size;
    // a crash halfway through writing a third entry
    const third = encodeEntry({ op: 'put', ns: 'ns', key: 'c', type: 'action', rev: '1-x', gen: 1, doc: action('three') });
    appendFileSync(journal, third.subarray(0, third.length - 7));

    const reopened = openEmbeddedEntityStore({ dataDir, logger: silentLogger });
    expect(statSync(journal).size).toBe(intact);
    expect((await reopened.get<Doc>('ns', 'a'))?.doc.body).toBe('one');
    expect((await reopened.get<Doc>('ns', 'b'))?.doc.body).toBe('two');
    expect(await reopened.get('ns', 'c')).toBeUndefined();
    await reopened.put('ns', 'c', action('three, again'), null);
    await reopened.close();

    const third2 = openEmbeddedEntityStore({ dataDir, logger: silentLogger });
    expect((await third2.get<Doc>('ns', 'c'))?.doc.body).toBe('three, again');
    expect(await third2.count('ns', 'action')).toBe(3);
    await third2.close();
  });

  it('tolerates a complete last line whose checksum does not match', async () => {
    const { dataDir, journal } = await closedStoreHolding('one');
    const line = encodeEntry({ op: 'put', ns: 'ns', key: 'b', type: 'action', rev: '1-x', gen: 1, doc: action('two') });
    line[20] = line[20]! ^ 0x01;
    appendFileSync(journal, line);

    const reopened = openEmbeddedEntityStore({ dataDir, logger: silentLogger });
    expect(await reopened.get('ns', 'b')).toBeUndefined();
    expect(await reopened.count('ns', 'action')).toBe(1);
    await reopened.close();
  });

  it('refuses to open a journal damaged before its last entry, naming the file and the offset', async () => {
    const { dataDir, journal } = await closedStoreHolding('one', 'two');
    const bytes = readFileSync(journal);
    const secondLine = bytes.indexOf(0x0a) + 1;
    bytes[12] = bytes[12]! ^ 0x01; // inside the first entry
    writeFileSync(journal, bytes);

    let error: unknown;
    try {
      openEmbeddedEntityStore({ dataDir, logger: silentLogger });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect((error as Error).message).toContain(journal);
    expect((error as Error).message).toContain('offset 0');
    expect(secondLine).toBeGreaterThan(0);
    // the lock was released: a repaired journal opens
    writeFileSync(journal, bytes.subarray(secondLine));
    const repaired = openEmbeddedEntityStore({ dataDir, logger: silentLogger });
    expect((await repaired.get<Doc>('ns', 'b'))?.doc.body).toBe('two');
    await repaired.close();
  });

  it('refuses an entry it could not replay and writes nothing for it', async () => {
    const dataDir = newDataDir();
    const store = openEmbeddedEntityStore({ dataDir, logger: silentLogger });
    await expect(store.put('ns', 'a', { entityType: 'gadget' } as unknown as Doc, null)).rejects.toThrow(/gadget/);
    const circular: Record<string, unknown> = { entityType: 'action' };
    circular.self = circular;
    await expect(store.put('ns', 'a', circular as unknown as Doc, null)).rejects.toThrow();
    expect(await store.get('ns', 'a')).toBeUndefined();
    await store.put('ns', 'b', action('fine'), null);
    await store.close();
    const reopened = openEmbeddedEntityStore({ dataDir, logger: silentLogger });
    expect(await reopened.count('ns', 'action')).toBe(1);
    await reopened.close();
  });

  it('compacts: many overwrites of a few documents keep the journal bounded, and the state survives', async () => {
    const dataDir = newDataDir();
    const journal = join(dataDir, ENTITY_JOURNAL_FILE);
    const store = openEmbeddedEntityStore({ dataDir, logger: silentLogger });
    const body = 'x'.repeat(1000);
    const revisions = new Map<string, string>();
    let largest = 0;
    // ~6 MB of writes against ~10 KB of live data, in concurrent batches (group commit)
    for (let round = 0; round < 600; round++) {
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, async (_, k) => {
          const key = `doc${k}`;
          const outcome = await store.put('ns', key, action(`${round}:${body}`), revisions.get(key) ?? null);
          if (!outcome.ok) throw new Error(outcome.reason);
          revisions.set(key, outcome.revision);
        }),
      );
      expect(outcomes).toHaveLength(10);
      largest = Math.max(largest, statSync(journal).size);
    }
    // compaction starts past 1 MB (the default policy), so the file never gets much beyond that
    expect(largest).toBeLessThan(1.1 * 1024 * 1024);
    await store.close();
    const reopened = openEmbeddedEntityStore({ dataDir, logger: silentLogger });
    expect((await reopened.get<Doc>('ns', 'doc3'))?.doc.body).toBe(`599:${body}`);
    expect((await reopened.get('ns', 'doc3'))?.revision).toBe(revisions.get('doc3'));
    expect(await reopened.count('ns', 'action')).toBe(10);
    await reopened.close();
  }, 60_000);

  it('compaction keeps list order', async () => {
    const dataDir = newDataDir();
    const compaction = { minBytes: 2_000, ratio: 2 };
    const store = openEmbeddedEntityStore({ dataDir, logger: silentLogger, compaction });
    const revisions = new Map<string, string>();
    for (const key of ['a', 'b', 'c', 'd']) revisions.set(key, ((await store.put('ns', key, action(key), null)) as { revision: string }).revision);
    for (let i = 0; i < 40; i++) {
      const key = ['c', 'a'][i % 2]!;
      revisions.set(key, ((await store.put('ns', key, action(`${key}${i}`), revisions.get(key)!)) as { revision: string }).revision);
    }
    const before = (await store.list<Doc>('ns', 'action', { skip: 0, limit: 10 })).map((s) => s.doc.body);
    expect(statSync(join(dataDir, ENTITY_JOURNAL_FILE)).size).toBeLessThan(4_000);
    await store.close();
    const reopened = openEmbeddedEntityStore({ dataDir, logger: silentLogger, compaction });
    expect((await reopened.list<Doc>('ns', 'action', { skip: 0, limit: 10 })).map((s) => s.doc.body)).toEqual(before);
    expect(before).toEqual(['a39', 'c38', 'd', 'b']);
    await reopened.close();
  });
});
