import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import type { LimitBounds } from '../../common/entities/limits';
import { actionBoundsOf, effectiveLimits, isKindAllowed, type EffectiveLimits, type SystemLimits } from '../../common/entities/namespace-limits';
import type { IdentityChange } from '../../common/protocol/identity-change';
import type { LRUCache } from 'lru-cache';
import type { IdentityRecords } from './identity-records';
import { lookupCache } from './lookup-cache';

// A namespace's effective limits: its own limits doc merged over the system's, cached briefly
// (invalidated early when an admin changes them). Packaged paths (`ns/pkg`) use their root
// namespace's limits.

export interface NamespaceLimitsServiceOptions {
  readonly records: IdentityRecords;
  readonly system: SystemLimits;
  readonly cacheTtlMs?: number;
  readonly now?: () => number;
}

export class NamespaceLimitsService {
  private readonly cache: LRUCache<string, EffectiveLimits> | undefined;

  constructor(private readonly options: NamespaceLimitsServiceOptions) {
    this.cache = lookupCache(options.cacheTtlMs ?? 5_000, (root) => this.load(root), options.now);
  }

  get system(): SystemLimits {
    return this.options.system;
  }

  effective(namespace: string): Promise<EffectiveLimits> {
    const root = rootOf(namespace);
    return this.cache ? this.cache.forceFetch(root) : this.load(root);
  }

  async actionBounds(namespace: string): Promise<LimitBounds> {
    return actionBoundsOf(await this.effective(namespace));
  }

  /** 403 when the namespace's `allowedKinds` leaves out the kind an action PUT body names. */
  async assertKindAllowed(namespace: string, body: Record<string, unknown>): Promise<void> {
    const exec = body.exec;
    if (typeof exec !== 'object' || exec === null) return;
    const kind = (exec as Record<string, unknown>).kind;
    if (typeof kind !== 'string') return;
    if (!isKindAllowed(await this.effective(namespace), kind)) throw new PlatformError('kind-not-authorized', Messages.kindNotAuthorized(kind));
  }

  invalidate(change: IdentityChange | 'all'): void {
    if (change === 'all') this.cache?.clear();
    else for (const namespace of change.namespaces ?? []) this.cache?.delete(namespace);
  }

  private async load(root: string): Promise<EffectiveLimits> {
    return effectiveLimits(await this.options.records.limits(root), this.options.system);
  }
}

function rootOf(namespace: string): string {
  const slash = namespace.indexOf('/');
  return slash < 0 ? namespace : namespace.slice(0, slash);
}
