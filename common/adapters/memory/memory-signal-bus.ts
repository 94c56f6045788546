// The standalone profile's SignalBus: in-process fan-out with NATS subject rules. Delivery is
// asynchronous and in publish order, as it is over a NATS connection, so callers cannot come to
// rely on a handler running inside publish(). There is no connection to lose, so onReconnect
// listeners never fire.

import type { Logger } from '../../logging/logger';
import type { SignalBus, SignalSubscription } from '../../spi/signal-bus';
import { isPublishableSubject, isSubscribablePattern, subjectMatches } from './subject-pattern';

export interface MemorySignalBusOptions {
  readonly logger: Logger;
}

interface MemorySignalSubscription {
  readonly pattern: string;
  readonly handler: (payload: Buffer, subject: string) => void;
  open: boolean;
}

interface PendingDelivery {
  readonly subscription: MemorySignalSubscription;
  readonly subject: string;
  readonly payload: Buffer;
}

export function createMemorySignalBus(options: MemorySignalBusOptions): SignalBus {
  const logger = options.logger;
  const subscriptions = new Set<MemorySignalSubscription>();
  let pending: PendingDelivery[] = [];
  let flushWaiters: (() => void)[] = [];
  let scheduled = false;
  let closed = false;

  function drain(): void {
    scheduled = false;
    const batch = pending;
    const waiters = flushWaiters;
    pending = [];
    flushWaiters = [];
    for (const { subscription, subject, payload } of batch) {
      if (!subscription.open) continue;
      try {
        subscription.handler(payload, subject);
      } catch (err) {
        logger.error({ err, subject }, 'signal handler threw');
      }
    }
    for (const resolve of waiters) resolve();
  }

  function flush(): Promise<void> {
    if (!scheduled) return Promise.resolve();
    return new Promise((resolve) => flushWaiters.push(resolve));
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(drain);
  }

  return {
    publish(subject: string, payload: Buffer): void {
      if (closed) throw new Error('signal bus is closed');
      if (!isPublishableSubject(subject)) throw new Error(`invalid subject '${subject}'`);
      let copy: Buffer | undefined;
      for (const subscription of subscriptions) {
        if (!subjectMatches(subscription.pattern, subject)) continue;
        // One copy shared by the receivers, taken now: the publisher may reuse its buffer.
        copy ??= Buffer.from(payload);
        pending.push({ subscription, subject, payload: copy });
      }
      if (pending.length > 0) schedule();
    },

    async subscribe(pattern: string, handler: (payload: Buffer, subject: string) => void): Promise<SignalSubscription> {
      if (closed) throw new Error('signal bus is closed');
      if (!isSubscribablePattern(pattern)) throw new Error(`invalid subject pattern '${pattern}'`);
      const subscription: MemorySignalSubscription = { pattern, handler, open: true };
      subscriptions.add(subscription);
      return {
        close: async () => {
          subscription.open = false;
          subscriptions.delete(subscription);
        },
      };
    },

    onReconnect(): void {
      // Nothing to reconnect in process; signals are never lost here.
    },

    flush,

    async close(): Promise<void> {
      if (closed) return;
      // Like a NATS drain: what was published before close still reaches open subscriptions.
      await flush();
      closed = true;
      for (const subscription of subscriptions) subscription.open = false;
      subscriptions.clear();
    },
  };
}
