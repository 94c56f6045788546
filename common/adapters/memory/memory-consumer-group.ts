// Consumer groups over in-process partition logs, with Kafka's semantics where the platform relies
// on them: committed offsets are kept per group, a partition is read by one member of a group at a
// time, a partition that changes hands restarts at the group's committed offset (so unfinished work
// of a member that left is redelivered), and done() calls for a partition a member no longer owns
// are ignored. A log may start above offset 0 (a durable bus drops what every group has finished),
// and may hold appended messages that are not yet readable (a durable bus shows them only once
// they are on disk, as Kafka shows consumers only what is replicated).

import type { Logger } from '../../logging/logger';
import type { ConsumerHealth, ReceivedMessage, Subscription } from '../../spi/message-bus';
import { OffsetWatermark } from '../offset-watermark';

export interface StoredMessage {
  readonly key?: string;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** epoch ms when the bus appended it (retention). */
  readonly timestamp: number;
}

/** One partition as its readers see it. */
export interface PartitionLog {
  /** Offset of the oldest message kept. */
  readonly startOffset: number;
  /** Offset after the newest message readers may see. */
  readonly endOffset: number;
  /** The message at `offset`, for startOffset <= offset < endOffset. */
  at(offset: number): StoredMessage;
}

export interface PartitionLogs {
  readonly topic: string;
  readonly partitions: readonly PartitionLog[];
}

/** Told each time a group's committed offset of a partition moves forward. */
export type CommitListener = (partition: number, nextOffset: number) => void;

interface OwnedPartition {
  /** Next index of the log to deliver. */
  position: number;
  /** Distinguishes this ownership from an earlier one of the same partition. */
  readonly epoch: number;
}

let nextEpoch = 1;

export class MemoryConsumerGroup {
  private readonly committed: number[];
  private readonly members: MemoryGroupMember[] = [];

  constructor(
    readonly logs: PartitionLogs,
    readonly groupId: string,
    private readonly onCommit?: CommitListener,
  ) {
    // A new group starts at the beginning of each partition, as the Kafka adapter does, so nothing
    // sent before the first subscription is skipped.
    this.committed = logs.partitions.map(() => 0);
  }

  join(member: MemoryGroupMember): void {
    this.members.push(member);
    this.rebalance();
  }

  leave(member: MemoryGroupMember): void {
    const at = this.members.indexOf(member);
    if (at < 0) return;
    this.members.splice(at, 1);
    this.rebalance();
  }

  committedOffset(partition: number): number {
    return this.committed[partition] ?? 0;
  }

  commit(partition: number, nextOffset: number): void {
    // Commits only move forward: a late commit from an earlier owner must not rewind the group.
    if (nextOffset <= (this.committed[partition] ?? 0)) return;
    this.committed[partition] = nextOffset;
    this.onCommit?.(partition, nextOffset);
  }

  /** A message was appended to `partition`: wake the member that owns it. */
  appended(partition: number): void {
    for (const member of this.members) member.wake(partition);
  }

  private rebalance(): void {
    const count = this.members.length;
    this.members.forEach((member, index) => {
      const owned: number[] = [];
      for (let partition = index; partition < this.logs.partitions.length; partition += count) owned.push(partition);
      member.assign(owned);
    });
  }
}

export class MemoryGroupMember implements Subscription {
  private readonly owned = new Map<number, OwnedPartition>();
  private readonly watermark = new OffsetWatermark();
  /** Which ownership each delivered message belongs to, so done() can recognise stale ones. */
  private readonly deliveredIn = new WeakMap<ReceivedMessage, number>();
  private paused = false;
  private closed = false;
  private scheduled = false;
  private pumping = false;
  private pumpAgain = false;
  private lastProgressAt = Date.now();

  constructor(
    private readonly group: MemoryConsumerGroup,
    private readonly onMessage: (message: ReceivedMessage) => void | Promise<void>,
    /** Already bound to the topic and group. */
    private readonly logger: Logger,
  ) {}

  assign(partitions: readonly number[]): void {
    for (const partition of [...this.owned.keys()]) {
      if (!partitions.includes(partition)) {
        this.owned.delete(partition);
        this.watermark.reset(partition);
      }
    }
    for (const partition of partitions) {
      if (!this.owned.has(partition)) {
        // Past the log's start when older messages were dropped (Kafka's reset to the earliest offset).
        const start = this.group.logs.partitions[partition]?.startOffset ?? 0;
        this.owned.set(partition, { position: Math.max(this.group.committedOffset(partition), start), epoch: nextEpoch++ });
      }
    }
    this.schedule();
  }

  wake(partition: number): void {
    if (this.owned.has(partition)) this.schedule();
  }

  done(message: ReceivedMessage): void {
    if (this.closed) return;
    const owned = this.owned.get(message.partition);
    if (!owned || this.deliveredIn.get(message) !== owned.epoch) return;
    const advanced = this.watermark.markDone(message.partition, message.offset);
    if (advanced !== undefined) this.group.commit(message.partition, Number(advanced));
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.schedule();
  }

  health(): ConsumerHealth {
    if (this.closed) return { state: 'stopped', lastFetchAt: this.lastProgressAt };
    // There is no fetch in process: a member is stalled only while messages wait for a handler
    // that does not return, so an idle or paused member reports itself fresh.
    const waiting = !this.paused && this.hasWaitingMessages();
    return { state: this.paused ? 'paused' : 'running', lastFetchAt: waiting ? this.lastProgressAt : Date.now(), lag: this.lag() };
  }

  private lag(): number {
    let behind = 0;
    for (const [partition, owned] of this.owned) behind += Math.max(0, (this.group.logs.partitions[partition]?.endOffset ?? 0) - owned.position);
    return behind;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Commits already happened in done(); leaving hands unfinished messages to the next owner.
    this.group.leave(this);
    this.owned.clear();
    this.watermark.resetAll();
  }

  private hasWaitingMessages(): boolean {
    for (const [partition, owned] of this.owned) {
      if (owned.position < (this.group.logs.partitions[partition]?.endOffset ?? 0)) return true;
    }
    return false;
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    // Never deliver inside send() or subscribe(): callers rely on delivery being asynchronous.
    setImmediate(() => {
      this.scheduled = false;
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        // One message per partition per round, so a busy partition cannot starve the others.
        let progressed = true;
        while (progressed && !this.paused && !this.closed) {
          progressed = false;
          for (const [partition, owned] of [...this.owned]) {
            if (this.paused || this.closed) break;
            if (this.owned.get(partition) !== owned) continue;
            const log = this.group.logs.partitions[partition];
            if (!log) continue;
            // Dropped under a reader by retention: go on from the oldest message kept.
            if (owned.position < log.startOffset) owned.position = log.startOffset;
            if (owned.position >= log.endOffset) continue;
            await this.deliver(partition, owned, log.at(owned.position));
            progressed = true;
          }
        }
      } while (this.pumpAgain && !this.closed);
    } finally {
      this.pumping = false;
    }
  }

  private async deliver(partition: number, owned: OwnedPartition, stored: StoredMessage): Promise<void> {
    const offset = String(owned.position);
    owned.position++;
    const message: ReceivedMessage = {
      topic: this.group.logs.topic,
      partition,
      offset,
      ...(stored.key !== undefined ? { key: stored.key } : {}),
      // A copy per delivery: a handler that mutates its buffer must not change the log.
      value: Buffer.from(stored.value),
      headers: { ...stored.headers },
    };
    this.watermark.delivered(partition, offset);
    this.deliveredIn.set(message, owned.epoch);
    this.lastProgressAt = Date.now();
    try {
      await this.onMessage(message);
    } catch (err) {
      // The message stays unfinished until done(); a throwing handler must not stop the partition.
      this.logger.error({ err, partition, offset }, 'message handler threw');
    }
    this.lastProgressAt = Date.now();
  }
}
