// A small read-through cache whose entries expire after a TTL; a size cap clears it wholesale
// rather than tracking recency, since entries are cheap to load again. Concurrent misses on one
// key share a single load.

export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  private readonly loading = new Map<string, Promise<V>>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const cached = this.entries.get(key);
    if (cached && cached.expires > this.now()) return cached.value;
    const pending = this.loading.get(key);
    if (pending) return pending;
    // A delete or clear during the load means the loaded value may be stale: answer it, keep it out.
    const generation = this.generation;
    const promise = load().then(
      (value) => {
        this.loading.delete(key);
        if (generation === this.generation && this.ttlMs > 0) {
          if (this.entries.size >= this.maxEntries) this.entries.clear();
          this.entries.set(key, { value, expires: this.now() + this.ttlMs });
        }
        return value;
      },
      (error: unknown) => {
        this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, promise);
    return promise;
  }

  delete(key: string): void {
    this.generation++;
    this.entries.delete(key);
    this.loading.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.loading.clear();
  }
}
