import type { Subscription } from '../spi/message-bus';

// A message bus closes the subscriptions still open when it is closed itself. The caller gets a
// handle whose close also forgets the subscription, so the bus never closes one twice and keeps
// no closed one alive; the handle exposes only the Subscription port, not the adapter's class.

export interface OpenSubscriptions {
  /** Tracks `subscription` until it is closed, through the returned handle or by closeAll. */
  track(subscription: Subscription): Subscription;
  /** Closes every subscription still open, concurrently. */
  closeAll(): Promise<void>;
}

export function createOpenSubscriptions(): OpenSubscriptions {
  const open = new Set<Subscription>();
  return {
    track: (subscription) => {
      open.add(subscription);
      return {
        done: (message) => subscription.done(message),
        pause: () => subscription.pause(),
        resume: () => subscription.resume(),
        health: () => subscription.health(),
        close: async () => {
          open.delete(subscription);
          await subscription.close();
        },
      };
    },
    closeAll: async () => {
      const closing = [...open];
      open.clear();
      await Promise.all(closing.map((subscription) => subscription.close()));
    },
  };
}
