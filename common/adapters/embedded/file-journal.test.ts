import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../logging/logger';
import { useTempDirs } from '../../../test/harness/temp-dirs';
import { FileJournal, type JournalState } from './file-journal';
import { decodeJournal } from './journal-framing';

const newDir = useTempDirs('wisp-journal');
const newPath = () => join(newDir(), 'test.journal');

/** A state that keeps every entry: the simplest owner of a journal. */
function listState(): JournalState & { entries: unknown[] } {
  const entries: unknown[] = [];
  return { entries, replay: (value) => entries.push(value), snapshot: () => entries, liveBytes: () => 0 };
}

describe('FileJournal', () => {
  it('appends entries that a reopen replays in order', async () => {
    const path = newPath();
    const journal = FileJournal.open({ path, logger: silentLogger, state: listState() });
    await Promise.all([journal.append({ n: 1 }).durable, journal.append({ n: 2 }).durable]);
    await journal.append({ n: 3 }).durable;
    await journal.close();
    const state = listState();
    const reopened = FileJournal.open({ path, logger: silentLogger, state });
    expect(state.entries).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    await reopened.close();
  });

  it('has every entry in the file once its durable promise resolves, also under many concurrent writers', async () => {
    const path = newPath();
    const journal = FileJournal.open({ path, logger: silentLogger, state: listState() });
    const appended = Array.from({ length: 200 }, (_, n) => journal.append({ n }));
    await Promise.all(appended.map((each) => each.durable));
    const decoded = decodeJournal(readFileSync(path), path);
    expect(decoded.entries.map((entry) => entry.value)).toEqual(Array.from({ length: 200 }, (_, n) => ({ n })));
    expect(journal.sizeBytes).toBe(appended.reduce((sum, each) => sum + each.bytes, 0));
    await journal.barrier();
    await journal.close();
  });

  it('refuses appends after close, and a value that cannot be serialized writes nothing', async () => {
    const path = newPath();
    const journal = FileJournal.open({ path, logger: silentLogger, state: listState() });
    expect(() => journal.append({ big: BigInt(1) })).toThrow();
    await journal.append({ ok: true }).durable;
    await journal.close();
    expect(() => journal.append({ late: true })).toThrow(/closed/);
    expect(decodeJournal(readFileSync(path), path).entries.map((entry) => entry.value)).toEqual([{ ok: true }]);
  });

  it('compacts to the snapshot once the file outgrows the live data, and appends after it', async () => {
    const path = newPath();
    let latest: unknown = undefined;
    const state: JournalState = { replay: (value) => (latest = value), snapshot: () => (latest === undefined ? [] : [latest]), liveBytes: () => 50 };
    const journal = FileJournal.open({ path, logger: silentLogger, state, compaction: { minBytes: 1_000, ratio: 2 } });
    for (let n = 0; n < 100; n++) {
      const appended = journal.append({ n, pad: 'x'.repeat(30) });
      latest = { n, pad: 'x'.repeat(30) };
      await appended.durable;
    }
    expect(journal.sizeBytes).toBeLessThan(1_100);
    await journal.close();
    const entries = decodeJournal(readFileSync(path), path).entries.map((entry) => entry.value as { n: number });
    expect(entries[entries.length - 1]!.n).toBe(99);
    expect(entries.length).toBeLessThan(30);
  });
});
