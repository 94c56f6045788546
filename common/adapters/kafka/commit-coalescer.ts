// Offset commits off the hot path: done() calls offer the new commit point of a partition, and one
// commit request at a time carries the latest point of every partition offered since the last one.
// A burst of done() calls in one tick becomes a single request; a failed commit is kept and sent
// with the next one (or at close), unless a rebalance made it stale.

export interface PartitionOffset {
  readonly partition: number;
  readonly offset: string;
}

export class CommitCoalescer {
  private pending = new Map<number, string>();
  private running?: Promise<void>;

  constructor(
    private readonly commit: (offsets: readonly PartitionOffset[]) => Promise<void>,
    private readonly onError: (err: unknown, offsets: readonly PartitionOffset[]) => void,
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
    while (this.running) await this.running;
    if (this.pending.size > 0) {
      this.running = this.run();
      await this.running;
    }
  }

  private async run(): Promise<void> {
    // Let the current tick's done() calls join this request.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.pending.size > 0) {
        const batch = [...this.pending].map(([partition, offset]) => ({ partition, offset }));
        this.pending = new Map();
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
}
