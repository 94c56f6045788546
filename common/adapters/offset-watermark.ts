// Per-partition low-watermark of finished messages. Consumers hand messages off and finish them
// out of order; committing a later offset while an earlier one still runs would lose the earlier
// one on a crash, so the commit point only moves over a contiguous prefix of finished offsets.
// Offsets are decimal strings on the wire (Kafka's are 64-bit), so they are kept as bigint here.

interface PartitionState {
  /** Delivered offsets not yet passed by the commit point, in delivery order, with their done flag. */
  readonly pending: Map<bigint, boolean>;
  lastDelivered: bigint;
}

export class OffsetWatermark {
  private readonly partitions = new Map<number, PartitionState>();

  /**
   * Records a delivered offset. Offsets must arrive in increasing order per partition; an offset
   * at or below the last one delivered (a redelivery without a reset) is ignored, so it can
   * neither reorder the pending list nor be committed twice.
   */
  delivered(partition: number, offset: string): void {
    const value = BigInt(offset);
    let state = this.partitions.get(partition);
    if (!state) {
      state = { pending: new Map(), lastDelivered: -1n };
      this.partitions.set(partition, state);
    }
    if (value <= state.lastDelivered) return;
    state.pending.set(value, false);
    state.lastDelivered = value;
  }

  /**
   * Marks an offset finished. Returns the new commit point (the offset after the highest
   * contiguous finished one: Kafka's "next offset to read" convention) when it advanced, else
   * undefined. Unknown offsets (never delivered, or dropped by a reset) are ignored.
   */
  markDone(partition: number, offset: string): string | undefined {
    const state = this.partitions.get(partition);
    if (!state) return undefined;
    const value = BigInt(offset);
    if (state.pending.get(value) !== false) return undefined;
    state.pending.set(value, true);
    let advancedTo: bigint | undefined;
    // Map iteration follows insertion order, which is delivery order, i.e. offset order.
    for (const [pendingOffset, done] of state.pending) {
      if (!done) break;
      state.pending.delete(pendingOffset);
      advancedTo = pendingOffset + 1n;
    }
    return advancedTo === undefined ? undefined : advancedTo.toString();
  }

  /** Delivered offsets not yet finished, per partition; for health reporting and tests. */
  unfinished(partition: number): number {
    const state = this.partitions.get(partition);
    if (!state) return 0;
    let count = 0;
    for (const done of state.pending.values()) if (!done) count++;
    return count;
  }

  /** Forgets a partition (revoked or re-fetched after a rebalance), so stale done() calls are ignored. */
  reset(partition: number): void {
    this.partitions.delete(partition);
  }

  resetAll(): void {
    this.partitions.clear();
  }
}
