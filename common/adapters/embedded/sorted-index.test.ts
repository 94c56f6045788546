import fc from 'fast-check';
import { SortedIndex } from './sorted-index';

// Checked against a model: a plain array sorted the way Redis sorts a ZSET.
type Entry = { score: number; member: string };
const byRedisOrder = (a: Entry, b: Entry) => a.score - b.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0);

describe('SortedIndex', () => {
  it('ranges, counts and pops like a Redis ZSET', () => {
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), score: fc.integer({ min: 0, max: 20 }), member: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f') }),
      fc.record({ kind: fc.constant('remove' as const), score: fc.integer({ min: 0, max: 20 }), member: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f') }),
      fc.record({ kind: fc.constant('pop' as const), score: fc.integer({ min: -1, max: 21 }), member: fc.constant('') }),
    );
    fc.assert(
      fc.property(
        fc.array(operation, { maxLength: 40 }),
        fc.integer({ min: -1, max: 21 }),
        fc.integer({ min: -1, max: 21 }),
        fc.nat(8),
        fc.nat(8),
        (operations, a, b, skip, limit) => {
          const index = new SortedIndex();
          let model: Entry[] = [];
          for (const op of operations) {
            if (op.kind === 'add') {
              const previous = model.find((entry) => entry.member === op.member);
              index.add(op.score, op.member, previous?.score);
              model = model.filter((entry) => entry.member !== op.member).concat({ score: op.score, member: op.member });
            } else if (op.kind === 'remove') {
              const had = model.some((entry) => entry.member === op.member && entry.score === op.score);
              expect(index.remove(op.score, op.member)).toBe(had);
              model = model.filter((entry) => !(entry.member === op.member && entry.score === op.score));
            } else {
              const expected = model.filter((entry) => entry.score <= op.score).sort(byRedisOrder).map((entry) => entry.member);
              expect(index.popUpTo(op.score)).toEqual(expected);
              model = model.filter((entry) => entry.score > op.score);
            }
          }
          const [min, max] = [Math.min(a, b), Math.max(a, b)];
          const inRange = model.filter((entry) => entry.score >= min && entry.score <= max).sort(byRedisOrder).reverse();
          expect(index.rangeDescending({ min, max }, skip, limit)).toEqual(inRange.slice(skip, skip + limit).map((entry) => entry.member));
          expect([...index.descending({ min, max }, skip)]).toEqual(inRange.slice(skip));
          expect(index.count({ min, max })).toBe(inRange.length);
          expect(index.count({})).toBe(model.length);
          expect(index.size).toBe(model.length);
          expect([...index.ascending()]).toEqual([...model].sort(byRedisOrder));
        },
      ),
    );
  });

  it('answers an empty range when min is above max', () => {
    const index = new SortedIndex();
    index.add(5, 'x');
    expect(index.rangeDescending({ min: 6, max: 4 }, 0, 10)).toEqual([]);
    expect(index.count({ min: 6, max: 4 })).toBe(0);
    expect([...index.descending({ min: 6, max: 4 })]).toEqual([]);
  });
});
