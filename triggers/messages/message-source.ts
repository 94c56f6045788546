import type { RawMessage } from './message-batch';

// Where a messaging feed's messages come from (ADR 0026): Kafka through the project's MessageBus
// adapter, NATS core or JetStream. A source hands messages over in order per lane and is told
// which ones are done (fired and accepted, or skipped); only then does its position move.

export interface SourceHealth {
  readonly ok: boolean;
  /** Why not, for READ: the broker unreachable, the consumer crashed and restarting. */
  readonly reason?: string;
}

export interface MessageSource {
  /** Connects and starts delivering to `onMessage`; rejects when the broker cannot be reached (the runner retries). */
  start(onMessage: (message: RawMessage) => void): Promise<void>;
  /** The messages are done: commit (Kafka) or ack (JetStream) up to them. */
  done(messages: readonly RawMessage[]): void;
  pause(): void;
  resume(): void;
  health(): SourceHealth;
  close(): Promise<void>;
  /** The registration is gone for good: drop what the source keeps on the broker (consumer group, durable consumer). */
  forget(): Promise<void>;
}
