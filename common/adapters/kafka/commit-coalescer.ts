// Offset commits off the hot path: done() calls offer the new commit point of a partition, and one
// commit request at a time carries the latest point of every partition offered since the last one.
// A burst of done() calls in one tick becomes a single request; a failed commit is kept and sent
// with the next one (or at close), unless a rebalance made it stale. Requests are also spaced by
// a minimum interval: at a steady rate of activations a commit per activation costs the invoker
// (and the broker) more CPU than the activation's own bookkeeping, while committing a few tens of
// milliseconds later only widens what a crash redelivers, and redelivery is deduplicated by claims
// and create-only records anyway.

export interface PartitionOffset {
  readonly partition: number;
  readonly offset: string;
}

export class CommitCoalescer {
  private pending = new Map<number, string>();
  private running?: Promise<void>;
  private lastSentAt = -Infinity;
  /** A flush (close, rebalance) does not wait out the interval. */
  private flushing = 0;
  private hurry?: () => void;

  constructor(
    private readonly commit: (offsets: readonly PartitionOffset[]) => Promise<void>,
    private readonly onError: (err: unknown, offsets: readonly PartitionOffset[]) => void,
    private readonly minIntervalMs = 0,
  ) {}

  offer(partition: number, offset: string): void {
    this.pending.set(partition, offset);
    this.running ??= this.run();
  }

  /** Forgets offers not yet sent (after a rebalance they belong to another generation). */
  discard(): void {
    this.pending.clear();
  }

  /** Resolves once everything offered so far was sent (or failed and reported). */
  async flush(): Promise<void> {
    this.flushing += 1;
    try {
      this.hurry?.();
      while (this.running) await this.running;
      if (this.pending.size > 0) {
        this.running = this.run();
        await this.running;
      }
    } finally {
      this.flushing -= 1;
    }
  }

  private async run(): Promise<void> {
    // Let the current tick's done() calls join this request.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.pending.size > 0) {
        await this.spaced();
        const batch = [...this.pending].map(([partition, offset]) => ({ partition, offset }));
        this.pending = new Map();
        this.lastSentAt = performance.now();
        try {
          await this.commit(batch);
        } catch (err) {
          this.onError(err, batch);
          // Keep what failed unless a newer point was offered meanwhile; stop until the next offer.
          for (const { partition, offset } of batch) if (!this.pending.has(partition)) this.pending.set(partition, offset);
          return;
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  private async spaced(): Promise<void> {
    const wait = this.lastSentAt + this.minIntervalMs - performance.now();
    if (wait <= 0 || this.flushing > 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, wait);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.hurry = done;
    });
    this.hurry = undefined;
  }
}
