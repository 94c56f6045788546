import { systemLogger, type Logger } from '../../common/logging/logger';
import type { Naming } from '../../common/naming';
import { decodeIdentityChange, encodeIdentityChange, type IdentityChange } from '../../common/protocol/identity-change';
import type { SignalBus, SignalSubscription } from '../../common/spi/signal-bus';

// Controllers hear identity changes (revoked keys, changed limits) on the signal bus and drop
// their cached copies. Signals are at most once: after a reconnect everything cached is dropped,
// and the caches' short TTL bounds staleness when a signal is lost anyway.

export interface IdentityCacheHolder {
  invalidate(change: IdentityChange | 'all'): void;
}

export async function listenForIdentityChanges(signals: SignalBus, naming: Naming, holders: readonly IdentityCacheHolder[], logger: Logger): Promise<SignalSubscription> {
  const log = systemLogger(logger, 'cacheInvalidation');
  const subscription = await signals.subscribe(naming.identityChangeSubject(), (payload) => {
    const change = decodeIdentityChange(payload);
    if (!change) {
      log.warn('undecodable identity change ignored');
      return;
    }
    for (const holder of holders) holder.invalidate(change);
  });
  signals.onReconnect(() => {
    for (const holder of holders) holder.invalidate('all');
  });
  return subscription;
}

export function publishIdentityChange(signals: SignalBus, naming: Naming, change: Omit<IdentityChange, 'v'>): void {
  signals.publish(naming.identityChangeSubject(), encodeIdentityChange(change));
}
