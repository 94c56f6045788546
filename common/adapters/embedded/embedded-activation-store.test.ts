import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ActivationRecord } from '../../entities/activation';
import { newActivationId } from '../../ids';
import { silentLogger } from '../../logging/logger';
import { describeActivationStoreContract } from '../../../test/contracts/activation-store.contract';
import { killMidStream } from '../../../test/harness/kill-mid-stream';
import { useTempDirs } from '../../../test/harness/temp-dirs';
import { ACTIVATION_JOURNAL_FILE, openEmbeddedActivationStore } from './embedded-activation-store';
import { openEmbeddedStores } from './embedded-stores';
import { encodeEntry } from './journal-framing';

const newDataDir = useTempDirs('wisp-embedded-activations');

describeActivationStoreContract(
  'embedded',
  async () => {
    const dataDir = newDataDir();
    return Object.assign(async (options?: { retentionMs?: number }) => openEmbeddedActivationStore({ dataDir, logger: silentLogger, ...options }), {
      // the create entry as journaled before logs were kept apart: the record with its logs inside
      writeOldLayout: async (records: readonly ActivationRecord[]) => {
        for (const each of records) appendFileSync(join(dataDir, ACTIVATION_JOURNAL_FILE), encodeEntry({ op: 'create', record: each, createdAt: Date.now() }));
      },
    });
  },
  { sharedAccess: false },
);

const record = (start: number, fields: Partial<ActivationRecord> = {}): ActivationRecord => ({
  namespace: 'ns',
  name: 'hello',
  subject: 'guest',
  activationId: newActivationId(),
  start,
  end: start + 1,
  response: { statusCode: 0, result: { pad: 'x'.repeat(500) } },
  logs: ['a log line'],
  version: '0.0.1',
  publish: false,
  annotations: [],
  ...fields,
});

describe('embedded activation store on disk', () => {
  it('drops records past retention from memory, from a replay and from the journal at compaction', async () => {
    const dataDir = newDataDir();
    let now = 1_000_000;
    const options = { dataDir, logger: silentLogger, retentionMs: 10_000, clock: () => now, compaction: { minBytes: 4_000, ratio: 2 } };
    const store = openEmbeddedActivationStore(options);
    const old = Array.from({ length: 20 }, (_, i) => record(now + i));
    for (const each of old) await store.create(each);
    now += 6_000;
    const young = record(now);
    await store.create(young);
    now += 5_000; // the old ones are 11 s old, young 5 s
    expect(await store.getById(old[0]!.activationId)).toBeUndefined();
    expect(await store.count('ns', {})).toBe(1);
    expect(await store.list('ns', { skip: 0, limit: 30, withLogs: true })).toEqual([young]);
    await store.close();
    const journalPath = join(dataDir, ACTIVATION_JOURNAL_FILE);
    expect(readFileSync(journalPath, 'utf8')).toContain(old[0]!.activationId);

    // the replay skips them, and the journal, now mostly expired records, is compacted at open
    const reopened = openEmbeddedActivationStore(options);
    expect(await reopened.getById(old[0]!.activationId)).toBeUndefined();
    expect(await reopened.getById(young.activationId)).toEqual(young);
    const journal = readFileSync(journalPath, 'utf8');
    for (const each of old) expect(journal).not.toContain(each.activationId);
    expect(journal).toContain(young.activationId);
    await reopened.create(record(now));
    expect(await reopened.count('ns', {})).toBe(2);
    await reopened.close();
  });

  it('remembers claims across a reopen and forgets the attempt count after the claim memory', async () => {
    const dataDir = newDataDir();
    let now = 5_000_000;
    const options = { dataDir, logger: silentLogger, claimMemoryMs: 60_000, clock: () => now };
    const id = newActivationId();
    const store = openEmbeddedActivationStore(options);
    expect(await store.claim(id, 'invoker0', 1_000)).toEqual({ granted: true, attempt: 1 });
    await store.close();

    const reopened = openEmbeddedActivationStore(options);
    expect(await reopened.claim(id, 'invoker1', 1_000)).toEqual({ granted: false, holder: 'invoker0' });
    now += 2_000;
    expect(await reopened.claim(id, 'invoker1', 1_000)).toEqual({ granted: true, attempt: 2 });
    now += 61_000;
    expect(await reopened.claim(id, 'invoker2', 1_000)).toEqual({ granted: true, attempt: 1 });
    await reopened.close();
  });

  it('opens both stores under one data dir, and refuses a second opener of either', async () => {
    const dataDir = newDataDir();
    const stores = await openEmbeddedStores({ dataDir, logger: silentLogger });
    expect(() => openEmbeddedActivationStore({ dataDir, logger: silentLogger })).toThrow(/is in use by pid/);
    await expect(openEmbeddedStores({ dataDir, logger: silentLogger })).rejects.toThrow(/is in use by pid/);
    await stores.entities.put('ns', 'a', { entityType: 'action' }, null);
    await stores.activations.create(record(1));
    await stores.close();
    const again = await openEmbeddedStores({ dataDir, logger: silentLogger });
    expect(await again.entities.count('ns', 'action')).toBe(1);
    expect(await again.activations.count('ns', {})).toBe(1);
    await again.close();
  });

  it('keeps every acknowledged record when the writing process is killed (SIGKILL) mid-stream', async () => {
    const dataDir = newDataDir();
    const acked: string[] = [];
    await killMidStream(
      join(__dirname, '../../../test/fixtures/embedded/activation-crash-writer.fixture.ts'),
      [dataDir],
      (line) => {
        if (line.startsWith('acked ')) acked.push(line.slice(6));
      },
      () => acked.length >= 300,
    );

    const store = openEmbeddedActivationStore({ dataDir, logger: silentLogger });
    try {
      const missing = [];
      for (const id of acked) if ((await store.getById(id)) === undefined) missing.push(id);
      expect(missing).toEqual([]);
      expect(await store.count('ns', {})).toBeGreaterThanOrEqual(acked.length * 3);
      expect(statSync(join(dataDir, ACTIVATION_JOURNAL_FILE)).size).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  }, 60_000);
});
