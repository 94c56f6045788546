import { partitionForKey } from './memory-topic-log';

describe('memory topic log', () => {
  it('maps a key to the same partition every time, within range', () => {
    for (const key of ['a', 'b', 'activation-1', 'ü']) {
      const partition = partitionForKey(key, 7);
      expect(partition).toBeGreaterThanOrEqual(0);
      expect(partition).toBeLessThan(7);
      expect(partitionForKey(key, 7)).toBe(partition);
    }
  });
});
