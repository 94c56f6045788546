import { MemoryConsumerGroup } from '../memory/memory-consumer-group';
import { MemoryTopic, type MemoryPartitionLog, type PlacedMessage } from '../memory/memory-topic-log';
import {
  estimateMessageBytes,
  journaledMessage,
  parseBusEntry,
  storedMessage,
  type BusJournalEntry,
  type JournaledCommit,
  type TopicEntry,
} from './bus-journal-entry';
import type { JournalState } from './file-journal';

// The embedded message bus's state, without I/O: the memory bus's topics (partition logs and
// consumer groups) plus what its journal needs — replay, a snapshot for compaction, the live
// size — and the rule for forgetting messages. A message is dropped once every group of its topic
// has committed past it, or once it is older than the topic's retention.ms (Kafka's rule, which
// also bounds a topic whose group never comes back). A group that will first subscribe later
// starts at the oldest message kept, as a new Kafka group starts at the log's start.

/** How every group reports a commit: the table's owner journals it (lazily) and asks the table to trim. */
export type GroupCommitListener = (topic: MemoryTopic, groupId: string, partition: number, nextOffset: number) => void;

export class BusTable implements JournalState {
  readonly topics = new Map<string, MemoryTopic>();
  private messageBytes = 0;
  private metaBytes = 0;
  /** Commits not journaled yet, the newest per (topic, group, partition). */
  private readonly pending = new Map<string, JournaledCommit>();
  private replaying = false;

  constructor(private readonly onGroupCommit: GroupCommitListener) {}

  // Entries for the changes the bus makes: it journals one, then makes the change, then reports it here.

  topicEntry(topic: MemoryTopic): TopicEntry {
    return { op: 'topic', topic: topic.topic, partitions: topic.partitions.length, config: topic.config };
  }

  groupEntry(topic: MemoryTopic, groupId: string): BusJournalEntry {
    return { op: 'group', topic: topic.topic, group: groupId };
  }

  sendEntry(topic: MemoryTopic, placed: readonly PlacedMessage[], now: number): BusJournalEntry {
    return { op: 'send', topic: topic.topic, at: now, messages: placed.map((m) => journaledMessage(m.partition, m.offset, m.message)) };
  }

  topicAdded(topic: MemoryTopic): void {
    this.metaBytes += 60 + topic.topic.length + 12 * topic.partitions.length + JSON.stringify(topic.config).length;
  }

  groupAdded(topic: MemoryTopic, groupId: string): void {
    this.metaBytes += 50 + topic.topic.length + groupId.length + 12 * topic.partitions.length;
  }

  appended(topic: MemoryTopic, placed: readonly PlacedMessage[], now: number): void {
    for (const { message } of placed) this.messageBytes += estimateMessageBytes(topic.topic, message);
    this.expire(topic, now);
  }

  /**
   * A group's committed offset moved forward: remember it for the next commit entry (unless it
   * came from the journal itself) and drop what every group has finished. Returns whether a
   * commit now waits to be journaled.
   */
  committed(topic: MemoryTopic, groupId: string, partition: number, nextOffset: number): boolean {
    this.trim(topic, partition);
    if (this.replaying) return false;
    this.pending.set(`${topic.topic}\u0000${groupId}\u0000${partition}`, { topic: topic.topic, group: groupId, p: partition, o: nextOffset });
    return true;
  }

  /** The commits made since the last call, as one entry; undefined when there are none. */
  takePendingCommits(): BusJournalEntry | undefined {
    if (this.pending.size === 0) return undefined;
    const commits = [...this.pending.values()];
    this.pending.clear();
    return { op: 'commit', commits };
  }

  /** Drops what is past retention in every topic (on open; afterwards each send checks its own topic). */
  expireAll(now: number): void {
    for (const topic of this.topics.values()) this.expire(topic, now);
  }

  liveBytes(): number {
    return this.messageBytes + this.metaBytes;
  }

  replay(value: unknown): void {
    const entry = parseBusEntry(value);
    this.replaying = true;
    try {
      this.apply(entry);
    } finally {
      this.replaying = false;
    }
  }

  /**
   * Topics, then groups with their offsets, then the messages kept. Groups come before the
   * messages so that replaying one group's offset cannot drop messages another group (not
   * replayed yet) still needs: at that point the logs are empty.
   */
  *snapshot(): Iterable<BusJournalEntry> {
    for (const topic of this.topics.values()) {
      const starts = topic.partitions.map((log) => log.startOffset);
      yield { ...this.topicEntry(topic), ...(starts.some((start) => start > 0) ? { starts } : {}) };
    }
    for (const topic of this.topics.values()) {
      for (const [groupId, group] of topic.groups) {
        yield { op: 'group', topic: topic.topic, group: groupId, committed: topic.partitions.map((_, p) => group.committedOffset(p)) };
      }
    }
    for (const topic of this.topics.values()) {
      for (const [partition, log] of topic.partitions.entries()) {
        for (const [offset, message] of log.kept()) {
          yield { op: 'send', topic: topic.topic, at: message.timestamp, messages: [journaledMessage(partition, offset, message)] };
        }
      }
    }
  }

  private apply(entry: BusJournalEntry): void {
    switch (entry.op) {
      case 'topic': {
        if (this.topics.has(entry.topic)) throw new Error(`topic '${entry.topic}' is created twice`);
        const topic = new MemoryTopic(entry.topic, entry.partitions, entry.config, entry.starts);
        this.topics.set(entry.topic, topic);
        this.topicAdded(topic);
        return;
      }
      case 'group': {
        const topic = this.topic(entry.topic);
        if (topic.groups.has(entry.group)) throw new Error(`group '${entry.group}' of topic '${entry.topic}' is created twice`);
        const group = new MemoryConsumerGroup(topic, entry.group, (p, next) => this.onGroupCommit(topic, entry.group, p, next));
        topic.groups.set(entry.group, group);
        this.groupAdded(topic, entry.group);
        entry.committed?.forEach((offset, p) => group.commit(p, offset));
        return;
      }
      case 'send': {
        const topic = this.topic(entry.topic);
        const placed = entry.messages.map((journaled) => {
          const log = this.partition(topic, journaled.p);
          const message = storedMessage(journaled, entry.at);
          const offset = log.append(message);
          if (offset !== journaled.o) throw new Error(`message of ${entry.topic}/${journaled.p} journaled at offset ${journaled.o} replays at ${offset}`);
          return { partition: journaled.p, offset, message };
        });
        for (const { message } of placed) this.messageBytes += estimateMessageBytes(topic.topic, message);
        // On disk means readable: only an acknowledged send is promised, but nothing here is unsent.
        topic.expose(placed);
        return;
      }
      case 'commit': {
        for (const commit of entry.commits) {
          const topic = this.topic(commit.topic);
          const group = topic.groups.get(commit.group);
          if (!group) throw new Error(`commit for group '${commit.group}' of topic '${commit.topic}', which was never created`);
          this.partition(topic, commit.p);
          group.commit(commit.p, commit.o);
        }
        return;
      }
    }
  }

  private topic(name: string): MemoryTopic {
    const topic = this.topics.get(name);
    if (!topic) throw new Error(`topic '${name}' was never created`);
    return topic;
  }

  private partition(topic: MemoryTopic, partition: number): MemoryPartitionLog {
    const log = topic.partitions[partition];
    if (!log) throw new Error(`topic '${topic.topic}' has no partition ${partition}`);
    return log;
  }

  private trim(topic: MemoryTopic, partition: number): void {
    if (topic.groups.size === 0) return;
    let floor = Number.POSITIVE_INFINITY;
    for (const group of topic.groups.values()) floor = Math.min(floor, group.committedOffset(partition));
    this.drop(topic, partition, floor);
  }

  private expire(topic: MemoryTopic, now: number): void {
    const retentionMs = Number(topic.config['retention.ms']);
    // Kafka's -1 (keep forever), and anything unreadable, keeps everything.
    if (!Number.isFinite(retentionMs) || retentionMs < 0) return;
    const cutoff = now - retentionMs;
    topic.partitions.forEach((log, partition) => {
      let below = log.startOffset;
      for (const [offset, message] of log.kept()) {
        if (message.timestamp >= cutoff) break;
        below = offset + 1;
      }
      this.drop(topic, partition, below);
    });
  }

  private drop(topic: MemoryTopic, partition: number, below: number): void {
    for (const message of this.partition(topic, partition).dropBefore(below)) this.messageBytes -= estimateMessageBytes(topic.topic, message);
  }
}
