import fc from 'fast-check';
import { OffsetWatermark } from './offset-watermark';

function deliverRange(watermark: OffsetWatermark, partition: number, from: number, count: number): void {
  for (let offset = from; offset < from + count; offset++) watermark.delivered(partition, String(offset));
}

describe('OffsetWatermark', () => {
  it('advances over a contiguous prefix and answers the offset after it', () => {
    const watermark = new OffsetWatermark();
    deliverRange(watermark, 0, 10, 3);
    expect(watermark.markDone(0, '10')).toBe('11');
    expect(watermark.markDone(0, '11')).toBe('12');
    expect(watermark.markDone(0, '12')).toBe('13');
  });

  it('never commits past an earlier unfinished offset', () => {
    const watermark = new OffsetWatermark();
    deliverRange(watermark, 0, 0, 4);
    expect(watermark.markDone(0, '1')).toBeUndefined();
    expect(watermark.markDone(0, '3')).toBeUndefined();
    expect(watermark.unfinished(0)).toBe(2);
    expect(watermark.markDone(0, '0')).toBe('2');
    expect(watermark.markDone(0, '2')).toBe('4');
    expect(watermark.unfinished(0)).toBe(0);
  });

  it('keeps partitions apart', () => {
    const watermark = new OffsetWatermark();
    deliverRange(watermark, 0, 0, 2);
    deliverRange(watermark, 1, 0, 2);
    expect(watermark.markDone(1, '0')).toBe('1');
    expect(watermark.markDone(0, '1')).toBeUndefined();
    expect(watermark.markDone(0, '0')).toBe('2');
  });

  it('tolerates gaps in offsets (compaction, transaction markers)', () => {
    const watermark = new OffsetWatermark();
    watermark.delivered(0, '5');
    watermark.delivered(0, '9');
    expect(watermark.markDone(0, '9')).toBeUndefined();
    expect(watermark.markDone(0, '5')).toBe('10');
  });

  it('ignores unknown, repeated and redelivered offsets', () => {
    const watermark = new OffsetWatermark();
    expect(watermark.markDone(0, '0')).toBeUndefined();
    deliverRange(watermark, 0, 0, 2);
    watermark.delivered(0, '1');
    watermark.delivered(0, '0');
    expect(watermark.markDone(0, '7')).toBeUndefined();
    expect(watermark.markDone(0, '0')).toBe('1');
    expect(watermark.markDone(0, '0')).toBeUndefined();
    expect(watermark.markDone(0, '1')).toBe('2');
  });

  it('drops a reset partition so stale done() calls change nothing', () => {
    const watermark = new OffsetWatermark();
    deliverRange(watermark, 0, 0, 3);
    deliverRange(watermark, 1, 0, 1);
    watermark.reset(0);
    expect(watermark.markDone(0, '0')).toBeUndefined();
    // After a reset the partition starts over from wherever the next delivery begins.
    deliverRange(watermark, 0, 0, 1);
    expect(watermark.markDone(0, '0')).toBe('1');
    watermark.resetAll();
    expect(watermark.markDone(1, '0')).toBeUndefined();
  });

  it('handles offsets beyond 2^53', () => {
    const watermark = new OffsetWatermark();
    watermark.delivered(0, '9007199254740993');
    expect(watermark.markDone(0, '9007199254740993')).toBe('9007199254740994');
  });

  it('property: any completion order commits at most the first unfinished offset, and reaches the end', () => {
    const scenario = fc
      .record({ start: fc.nat({ max: 1_000_000 }), count: fc.integer({ min: 1, max: 60 }) })
      .chain(({ start, count }) =>
        fc.record({
          start: fc.constant(start),
          count: fc.constant(count),
          order: fc.shuffledSubarray(
            Array.from({ length: count }, (_, i) => start + i),
            { minLength: count, maxLength: count },
          ),
        }),
      );
    fc.assert(
      fc.property(scenario, ({ start, count, order }) => {
        const watermark = new OffsetWatermark();
        deliverRange(watermark, 3, start, count);
        const done = new Set<number>();
        let committed = start;
        for (const offset of order) {
          done.add(offset);
          const advanced = watermark.markDone(3, String(offset));
          if (advanced !== undefined) {
            const next = Number(advanced);
            expect(next).toBeGreaterThan(committed);
            committed = next;
          }
          let firstUnfinished = start;
          while (done.has(firstUnfinished)) firstUnfinished++;
          // The commit point must never pass an unfinished offset, and must not lag behind a finished prefix.
          expect(committed).toBe(firstUnfinished);
        }
        expect(committed).toBe(start + count);
        expect(watermark.unfinished(3)).toBe(0);
      }),
    );
  });
});
