import { compactionDue } from './journal-compaction';

describe('journal compaction policy', () => {
  const policy = { minBytes: 1000, ratio: 2 };

  it('waits until the journal is past minBytes and past ratio times the live data', () => {
    expect(compactionDue(policy, 1000, 10)).toBe(false);
    expect(compactionDue(policy, 1001, 10)).toBe(true);
    expect(compactionDue(policy, 5000, 2500)).toBe(false);
    expect(compactionDue(policy, 5001, 2500)).toBe(true);
  });

  it('holds back while the journal is under the floor a failed compaction raised', () => {
    expect(compactionDue(policy, 3000, 10, 4000)).toBe(false);
    expect(compactionDue(policy, 4001, 10, 4000)).toBe(true);
  });
});
