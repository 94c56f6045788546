import fc from 'fast-check';
import { decodeJournal, encodeEntry, JournalCorruptError } from './journal-framing';

const journalOf = (entries: readonly unknown[]) => Buffer.concat(entries.map((entry) => encodeEntry(entry)));

describe('journal framing', () => {
  it('round-trips entries, with newlines and multi-byte characters inside strings', () => {
    const entries = [{ op: 'put', text: 'line one\nline two' }, { unicode: 'ünïcödé ✓ 🎉' }, [1, 2, 3], 'plain', 42];
    const decoded = decodeJournal(journalOf(entries), 'j');
    expect(decoded.entries.map((entry) => entry.value)).toEqual(entries);
    expect(decoded.tornTail).toBeUndefined();
    expect(decoded.validBytes).toBe(journalOf(entries).length);
  });

  it('reports each entry with its offset and length', () => {
    const first = encodeEntry({ a: 1 });
    const decoded = decodeJournal(journalOf([{ a: 1 }, { b: 2 }]), 'j');
    expect(decoded.entries.map(({ offset, bytes }) => ({ offset, bytes }))).toEqual([
      { offset: 0, bytes: first.length },
      { offset: first.length, bytes: encodeEntry({ b: 2 }).length },
    ]);
  });

  it('decodes any cut of a journal as a prefix of its entries, reporting the torn tail', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { minLength: 1, maxLength: 8 }), fc.nat(), (entries, cutSeed) => {
        const lines = entries.map((entry) => encodeEntry(entry));
        const whole = Buffer.concat(lines);
        const cut = cutSeed % (whole.length + 1);
        const decoded = decodeJournal(whole.subarray(0, cut), 'j');
        let complete = 0;
        let bytes = 0;
        while (complete < lines.length && bytes + lines[complete]!.length <= cut) bytes += lines[complete++]!.length;
        expect(decoded.entries.map((entry) => entry.value)).toEqual(JSON.parse(JSON.stringify(entries.slice(0, complete))));
        expect(decoded.validBytes).toBe(bytes);
        expect(decoded.tornTail !== undefined).toBe(cut !== bytes);
      }),
    );
  });

  it('treats a damaged last line as torn, and a damaged earlier line as corruption naming file and offset', () => {
    const lines = [encodeEntry({ n: 1 }), encodeEntry({ n: 2 }), encodeEntry({ n: 3 })];
    const damagedLast = Buffer.concat(lines);
    damagedLast[damagedLast.length - 3] = 0x30; // a digit changed inside the last JSON
    const decoded = decodeJournal(damagedLast, 'j');
    expect(decoded.entries).toHaveLength(2);
    expect(decoded.tornTail).toEqual({ offset: lines[0]!.length + lines[1]!.length, reason: 'checksum mismatch' });

    const damagedMiddle = Buffer.concat(lines);
    damagedMiddle[lines[0]!.length + 12] = 0x7a;
    expect(() => decodeJournal(damagedMiddle, '/data/entities.journal')).toThrow(JournalCorruptError);
    expect(() => decodeJournal(damagedMiddle, '/data/entities.journal')).toThrow(
      `journal /data/entities.journal is corrupt at byte offset ${lines[0]!.length}`,
    );
  });

  it('rejects a line without the checksum framing', () => {
    const journal = Buffer.concat([Buffer.from('{"not":"framed"}\n'), encodeEntry({ ok: true })]);
    expect(() => decodeJournal(journal, 'j')).toThrow(/offset 0: malformed entry framing/);
  });
});
