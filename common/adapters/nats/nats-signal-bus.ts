// SignalBus over core NATS: completion acks, invoker heartbeats, cache invalidation. At-most-once
// by design; the client reconnects forever, and listeners learn through onReconnect that signals
// may have been lost meanwhile, so they can fall back to the store.

import { connect, Events, type QueuedIterator, type Status, type Subscription } from 'nats';
import type { Logger } from '../../logging/logger';
import type { SignalBus, SignalSubscription } from '../../spi/signal-bus';

export interface NatsSignalBusOptions {
  readonly servers: string | readonly string[];
  /** Connection name shown by the server (e.g. the service and its instance id). */
  readonly name: string;
  readonly logger: Logger;
  /** Pause between reconnect attempts; short, because a blocking invoke waits on these signals. */
  readonly reconnectTimeWaitMs?: number;
}

export async function createNatsSignalBus(options: NatsSignalBusOptions): Promise<SignalBus> {
  const logger = options.logger;
  const nc = await connect({
    servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 500,
  });
  const reconnectListeners: (() => void)[] = [];
  // nats.js does not end status iterators when the connection closes; the implementation is a
  // QueuedIterator, stopped explicitly on close so the loop (and jest) can finish.
  const statuses = nc.status() as QueuedIterator<Status>;
  const statusLoop = watchStatus(statuses, logger, reconnectListeners);
  let closing: Promise<void> | undefined;

  return {
    publish(subject: string, payload: Buffer): void {
      nc.publish(subject, payload);
    },

    async subscribe(subject: string, handler: (payload: Buffer, subject: string) => void): Promise<SignalSubscription> {
      let open = true;
      const subscription: Subscription = nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) {
            logger.warn({ err, subject }, 'subscription error');
            return;
          }
          if (!open) return;
          try {
            // The client may reuse its read buffer; a handler must own what it keeps.
            handler(Buffer.from(msg.data), msg.subject);
          } catch (handlerError) {
            // A throw here would unwind into the client's protocol parser and break the connection.
            logger.error({ err: handlerError, subject: msg.subject }, 'signal handler threw');
          }
        },
      });
      // The server registers the subscription when it processes SUB; a round trip after it means
      // any publish that follows, from any connection, is routed here.
      await nc.flush();
      return {
        close: async () => {
          if (!open) return;
          open = false;
          if (nc.isClosed() || nc.isDraining()) return;
          subscription.unsubscribe();
          await nc.flush().catch(() => undefined);
        },
      };
    },

    onReconnect(listener: () => void): void {
      reconnectListeners.push(listener);
    },

    flush(): Promise<void> {
      return nc.flush();
    },

    close(): Promise<void> {
      closing ??= (async () => {
        try {
          if (!nc.isClosed()) await nc.drain();
        } finally {
          statuses.stop();
          await statusLoop;
        }
      })();
      return closing;
    },
  };
}

async function watchStatus(statuses: AsyncIterable<Status>, logger: Logger, reconnectListeners: readonly (() => void)[]): Promise<void> {
  try {
    for await (const status of statuses) {
      switch (status.type) {
        case Events.Disconnect:
          logger.warn({ server: status.data }, 'disconnected from NATS');
          break;
        case Events.Reconnect:
          logger.info({ server: status.data }, 'reconnected to NATS');
          for (const listener of reconnectListeners) {
            try {
              listener();
            } catch (err) {
              logger.error({ err }, 'reconnect listener threw');
            }
          }
          break;
        case Events.Error:
          logger.warn({ error: status.data }, 'NATS async error');
          break;
        default:
          break;
      }
    }
  } catch (err) {
    logger.warn({ err }, 'NATS status stream ended with an error');
  }
}
