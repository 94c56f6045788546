// An in-memory sorted set with Redis ZSET ordering: by score, then by member. Range queries
// walk it from the highest score down, as ZREVRANGEBYSCORE does, so the embedded and the Redis
// stores page through equal scores in the same order. Sorted arrays with binary search: inserts
// cost a memmove, which is cheap at the sizes a single-process standalone store holds.

export interface ScoreRange {
  /** Inclusive; -Infinity when absent. */
  readonly min?: number;
  /** Inclusive; +Infinity when absent. */
  readonly max?: number;
}

export class SortedIndex {
  private readonly scores: number[] = [];
  private readonly members: string[] = [];

  get size(): number {
    return this.members.length;
  }

  /** Adds the member, or moves it when present with another score. */
  add(score: number, member: string, previousScore?: number): void {
    if (previousScore !== undefined) this.remove(previousScore, member);
    const at = this.lowerBound(score, member);
    if (this.scores[at] === score && this.members[at] === member) return;
    this.scores.splice(at, 0, score);
    this.members.splice(at, 0, member);
  }

  remove(score: number, member: string): boolean {
    const at = this.lowerBound(score, member);
    if (this.scores[at] !== score || this.members[at] !== member) return false;
    this.scores.splice(at, 1);
    this.members.splice(at, 1);
    return true;
  }

  /** Members in the range, highest (score, member) first, after skipping `skip`. */
  rangeDescending(range: ScoreRange, skip: number, limit: number): string[] {
    const low = this.firstAtLeast(range.min ?? -Infinity);
    const result: string[] = [];
    for (let at = this.firstAbove(range.max ?? Infinity) - 1 - Math.max(0, skip); at >= low && result.length < limit; at--) {
      result.push(this.members[at]!);
    }
    return result;
  }

  /** Entries in the range, highest (score, member) first, the first `skip` left out; lazily, so a caller may stop early. */
  *descending(range: ScoreRange, skip = 0): Iterable<{ readonly score: number; readonly member: string }> {
    const low = this.firstAtLeast(range.min ?? -Infinity);
    for (let at = this.firstAbove(range.max ?? Infinity) - 1 - Math.max(0, skip); at >= low; at--) {
      yield { score: this.scores[at]!, member: this.members[at]! };
    }
  }

  count(range: ScoreRange): number {
    return Math.max(0, this.firstAbove(range.max ?? Infinity) - this.firstAtLeast(range.min ?? -Infinity));
  }

  /** Removes and returns the members whose score is at most `max`, lowest first. */
  popUpTo(max: number): string[] {
    const end = this.firstAbove(max);
    this.scores.splice(0, end);
    return this.members.splice(0, end);
  }

  *ascending(): Iterable<{ readonly score: number; readonly member: string }> {
    for (let at = 0; at < this.members.length; at++) yield { score: this.scores[at]!, member: this.members[at]! };
  }

  private lowerBound(score: number, member: string): number {
    let low = 0;
    let high = this.scores.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const s = this.scores[mid]!;
      if (s < score || (s === score && this.members[mid]! < member)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private firstAtLeast(score: number): number {
    let low = 0;
    let high = this.scores.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.scores[mid]! < score) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private firstAbove(score: number): number {
    let low = 0;
    let high = this.scores.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.scores[mid]! <= score) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
