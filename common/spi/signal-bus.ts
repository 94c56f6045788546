// SignalBus: fast, ephemeral fan-out (completion acks, invoker heartbeats, cache invalidation).
// Adapters: nats (core NATS), memory. At-most-once by design: never the only copy of anything;
// listeners that may have missed signals learn of it through onReconnect and fall back to a store.

export interface SignalSubscription {
  close(): Promise<void>;
}

export interface SignalBus {
  publish(subject: string, payload: Buffer): void;
  /** Resolves once the subscription is registered with the server, so no later publish is missed. */
  subscribe(subject: string, handler: (payload: Buffer, subject: string) => void): Promise<SignalSubscription>;
  /** Called after the connection was lost and re-established; signals in between may be lost. */
  onReconnect(listener: () => void): void;
  /** Resolves once everything published so far has reached the server. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
