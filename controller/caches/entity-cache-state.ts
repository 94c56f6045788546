// The entity cache's bookkeeping, without I/O: entries that expire after a TTL, bounded by count
// and by approximate bytes (least recently used go first), and reads in flight. A read that
// started before an invalidation of its key may carry the old value: it is answered, but never
// stored, so an invalidation can never be undone by a slow read.

export interface CacheLimits {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly maxBytes: number;
}

export interface ReadToken {
  readonly slot: string;
  stale: boolean;
}

interface Entry<V> {
  readonly value: V;
  readonly expires: number;
  readonly bytes: number;
}

export class EntityCacheState<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly reads = new Map<string, Set<ReadToken>>();
  private bytes = 0;

  constructor(
    private readonly limits: CacheLimits,
    private readonly sizeOf: (value: V) => number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** A fresh entry, or undefined (an expired one is dropped). */
  lookup(slot: string): V | undefined {
    const entry = this.entries.get(slot);
    if (!entry) return undefined;
    this.entries.delete(slot);
    if (entry.expires <= this.now()) {
      this.bytes -= entry.bytes;
      return undefined;
    }
    this.entries.set(slot, entry); // most recently used goes last
    return entry.value;
  }

  beginRead(slot: string): ReadToken {
    const token: ReadToken = { slot, stale: false };
    let pending = this.reads.get(slot);
    if (!pending) {
      pending = new Set();
      this.reads.set(slot, pending);
    }
    pending.add(token);
    return token;
  }

  /** Ends a read; its value is kept unless the key was invalidated meanwhile (undefined keeps nothing). */
  finishRead(token: ReadToken, value: V | undefined): void {
    const pending = this.reads.get(token.slot);
    pending?.delete(token);
    if (pending?.size === 0) this.reads.delete(token.slot);
    if (token.stale || value === undefined || this.limits.ttlMs <= 0) return;
    const bytes = this.sizeOf(value);
    // One huge document would push out everything else for little gain.
    if (bytes > this.limits.maxBytes / 4) return;
    this.remove(token.slot);
    this.entries.set(token.slot, { value, expires: this.now() + this.limits.ttlMs, bytes });
    this.bytes += bytes;
    this.evict();
  }

  invalidate(slot: string): void {
    this.remove(slot);
    for (const token of this.reads.get(slot) ?? []) token.stale = true;
  }

  invalidateAll(): void {
    this.entries.clear();
    this.bytes = 0;
    for (const pending of this.reads.values()) for (const token of pending) token.stale = true;
  }

  private remove(slot: string): void {
    const entry = this.entries.get(slot);
    if (!entry) return;
    this.entries.delete(slot);
    this.bytes -= entry.bytes;
  }

  private evict(): void {
    for (const [slot, entry] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.bytes <= this.limits.maxBytes) return;
      this.entries.delete(slot);
      this.bytes -= entry.bytes;
    }
  }
}
