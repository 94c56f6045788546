import type { Logger } from '../../logging/logger';
import type { MessageBus, MessageBusCapabilities, OutgoingMessage, SubscribeOptions, Subscription, TopicOptions } from '../../spi/message-bus';
import { createMemoryMessageBus, type MemoryBusPersistence } from '../memory/memory-message-bus';
import { BusTable, type GroupCommitListener } from './bus-table';
import type { FileJournal } from './file-journal';
import type { CompactionPolicy } from './journal-compaction';
import { openLockedJournal, type LockedJournal } from './locked-journal';

// The standalone profile's MessageBus: the memory bus's topics, consumer groups and delivery,
// with every change journaled under a data dir, so that an accepted send survives a crash of the
// process. A send resolves once its entry is fdatasync'ed (concurrent sends share one sync), and
// consumers see a message only after that, as Kafka consumers see only what is replicated.
// Committed offsets are journaled lazily, a batch every `commitFlushMs`: a crash redelivers what
// was finished since the last batch (at-least-once), never loses what was sent. Compaction keeps
// only what some group has still to read (bus-table.ts), so the journal does not grow without bound.

export const BUS_JOURNAL_FILE = 'messages.journal';
export const BUS_LOCK_FILE = 'messages.lock';
export const DEFAULT_COMMIT_FLUSH_MS = 100;

export const embeddedMessageBusCapabilities: MessageBusCapabilities = { durable: true };

export interface EmbeddedMessageBusOptions {
  readonly dataDir: string;
  readonly logger: Logger;
  readonly compaction?: CompactionPolicy;
  /** How long a committed offset may wait before it is journaled along with the others made meanwhile. */
  readonly commitFlushMs?: number;
}

/** Opens (creating when absent) the bus journal under `dataDir`; throws DataDirInUseError when another process has it. */
export function openEmbeddedMessageBus(options: EmbeddedMessageBusOptions): MessageBus {
  const logger = options.logger.child({ component: 'embedded-message-bus' });
  let bus: EmbeddedMessageBus | undefined;
  // Replayed groups report commits too; those made during the replay are not journaled again.
  const onGroupCommit: GroupCommitListener = (topic, groupId, partition, nextOffset) => {
    if (table.committed(topic, groupId, partition, nextOffset)) bus?.commitPending();
  };
  const table = new BusTable(onGroupCommit);
  return openLockedJournal(
    {
      dataDir: options.dataDir,
      journalFile: BUS_JOURNAL_FILE,
      lockFile: BUS_LOCK_FILE,
      logger,
      state: table,
      ...(options.compaction ? { compaction: options.compaction } : {}),
    },
    (held) => {
      table.expireAll(Date.now());
      bus = new EmbeddedMessageBus(table, held, logger, onGroupCommit, options.commitFlushMs ?? DEFAULT_COMMIT_FLUSH_MS);
      return bus;
    },
  );
}

class EmbeddedMessageBus implements MessageBus {
  private readonly memory: MessageBus;
  private flushTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private readonly journal: FileJournal;

  constructor(
    private readonly table: BusTable,
    private readonly held: LockedJournal,
    private readonly logger: Logger,
    onGroupCommit: GroupCommitListener,
    private readonly commitFlushMs: number,
  ) {
    const journal = (this.journal = held.journal);
    // Each hook journals synchronously (a failed journal throws, and the memory bus then changes
    // nothing), records the change's size, and hands back the promise of durability.
    const persistence: MemoryBusPersistence = {
      topics: table.topics,
      topicCreated: (topic) => {
        const appended = journal.append(table.topicEntry(topic));
        table.topicAdded(topic);
        return appended.durable;
      },
      groupCreated: (topic, groupId) => {
        const appended = journal.append(table.groupEntry(topic, groupId));
        table.groupAdded(topic, groupId);
        return appended.durable;
      },
      appending: (topic, placed) => {
        const now = Date.now();
        const appended = journal.append(table.sendEntry(topic, placed, now));
        table.appended(topic, placed, now);
        return appended.durable;
      },
      committed: onGroupCommit,
    };
    this.memory = createMemoryMessageBus({ logger, persistence });
  }

  ensureTopic(topic: string, options?: TopicOptions): Promise<void> {
    return this.memory.ensureTopic(topic, options);
  }

  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    return this.memory.send(topic, messages);
  }

  subscribe(options: SubscribeOptions): Promise<Subscription> {
    return this.memory.subscribe(options);
  }

  /** A commit waits to be journaled: do it within commitFlushMs, together with those that follow. */
  commitPending(): void {
    if (this.flushTimer || this.closing) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flushCommits();
    }, this.commitFlushMs);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    try {
      await this.memory.close();
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.flushCommits();
    } finally {
      await this.held.close();
    }
  }

  private flushCommits(): void {
    const entry = this.table.takePendingCommits();
    if (!entry) return;
    try {
      // Nobody waits for it: losing it to a crash only redelivers finished messages.
      this.journal.append(entry).durable.catch((error: unknown) => this.logger.warn({ err: error }, 'committed offsets not journaled'));
    } catch (error) {
      this.logger.warn({ err: error }, 'committed offsets not journaled');
    }
  }
}
