import { randomBytes } from 'node:crypto';
import { systemLogger, type Logger } from '../../common/logging/logger';
import type { Naming } from '../../common/naming';
import type { EntityDocument, EntityStore, EntityType, ListOptions, PutOutcome, Stored } from '../../common/spi/entity-store';
import type { SignalBus, SignalSubscription } from '../../common/spi/signal-bus';
import { EntityCacheState } from './entity-cache-state';

// The controller's read cache over the EntityStore (DESIGN.md §3 step 2). Every entry lives at
// most `ttlMs`, which alone bounds how stale a read can be; invalidations over the SignalBus are
// the fast path, so that a write on one controller is seen on the others within a signal's round
// trip. A controller's own writes drop its entries before they are answered. Losing the signal
// connection drops everything, since invalidations may have been missed meanwhile.
//
// Only `get` of actions and packages is cached; other documents (triggers and rules, written by
// services that may not go through this cache) and lists and counts go to the store. A write
// based on a cached read that another controller's write made stale fails the store's revision
// check (409); it never overwrites. Cached documents are shared between callers and must not be
// mutated.

const CACHED_TYPES: ReadonlySet<EntityType> = new Set<EntityType>(['action', 'package']);

export interface EntityCacheOptions {
  readonly store: EntityStore;
  readonly signals: SignalBus;
  readonly naming: Naming;
  readonly logger: Logger;
  /** 0 turns caching off (invalidations are still sent, for the controllers that do cache). */
  readonly ttlMs: number;
  readonly maxEntries?: number;
  readonly maxBytes?: number;
  readonly now?: () => number;
}

export interface EntityCache {
  /** The store to read and write through. Its `close` only stops the cache; the wrapped store stays open. */
  readonly store: EntityStore;
  readonly entries: number;
  close(): Promise<void>;
}

const FLUSH_BOUND_MS = 1000;

interface Invalidation {
  readonly origin: string;
  readonly namespace: string;
  readonly key: string;
}

export async function startEntityCache(options: EntityCacheOptions): Promise<EntityCache> {
  const origin = randomBytes(8).toString('hex');
  const state = new EntityCacheState<Stored<EntityDocument>>(
    { ttlMs: options.ttlMs, maxEntries: options.maxEntries ?? 10_000, maxBytes: options.maxBytes ?? 128 * 1024 * 1024 },
    approximateBytes,
    options.now,
  );
  const subject = options.naming.cacheInvalidationSubject();
  const log = systemLogger(options.logger, 'cacheInvalidation');
  const subscription: SignalSubscription = await options.signals.subscribe(subject, (payload) => {
    const message = decodeInvalidation(payload);
    if (!message) {
      log.warn('undecodable cache invalidation ignored');
      return;
    }
    if (message.origin !== origin) state.invalidate(slot(message.namespace, message.key));
  });
  options.signals.onReconnect(() => state.invalidateAll());

  // A write is answered only once the signal server holds its invalidation (bounded: the signal
  // is a fast path, the TTL the guarantee), so a read sent to another controller right after the
  // answer does not race the invalidation still sitting in this client's buffer.
  const store = new CachedEntityStore(options.store, state, async (namespace, key) => {
    options.signals.publish(subject, Buffer.from(JSON.stringify({ origin, namespace, key } satisfies Invalidation)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([options.signals.flush().catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_BOUND_MS)))]);
    clearTimeout(timer);
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await subscription.close();
    state.invalidateAll();
  };
  store.onClose = close;
  return {
    store,
    get entries() {
      return state.size;
    },
    close,
  };
}

class CachedEntityStore implements EntityStore {
  onClose: () => Promise<void> = async () => {};

  constructor(
    private readonly inner: EntityStore,
    private readonly state: EntityCacheState<Stored<EntityDocument>>,
    private readonly announce: (namespace: string, key: string) => Promise<void>,
  ) {}

  async get<T extends EntityDocument>(namespace: string, key: string): Promise<Stored<T> | undefined> {
    const id = slot(namespace, key);
    const cached = this.state.lookup(id);
    if (cached) return cached as Stored<T>;
    const token = this.state.beginRead(id);
    let stored: Stored<T> | undefined;
    try {
      stored = await this.inner.get<T>(namespace, key);
    } finally {
      // Misses are not kept: a name created elsewhere must be found at once.
      this.state.finishRead(token, stored && CACHED_TYPES.has(stored.doc.entityType) ? stored : undefined);
    }
    return stored;
  }

  async put<T extends EntityDocument>(namespace: string, key: string, doc: T, expectedRevision: string | null): Promise<PutOutcome> {
    const id = slot(namespace, key);
    this.state.invalidate(id);
    try {
      const outcome = await this.inner.put(namespace, key, doc, expectedRevision);
      if (outcome.ok) await this.announce(namespace, key);
      return outcome;
    } finally {
      this.state.invalidate(id);
    }
  }

  async delete(namespace: string, key: string, expectedRevision?: string): Promise<boolean> {
    const id = slot(namespace, key);
    this.state.invalidate(id);
    try {
      const deleted = await this.inner.delete(namespace, key, expectedRevision);
      if (deleted) await this.announce(namespace, key);
      return deleted;
    } finally {
      this.state.invalidate(id);
    }
  }

  list<T extends EntityDocument>(namespace: string, entityType: EntityType, options: ListOptions): Promise<Stored<T>[]> {
    return this.inner.list<T>(namespace, entityType, options);
  }

  count(namespace: string, entityType: EntityType): Promise<number> {
    return this.inner.count(namespace, entityType);
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

function slot(namespace: string, key: string): string {
  return `${namespace}\u0000${key}`;
}

/** Code dominates an action's size; everything else is counted as a small constant. */
function approximateBytes(stored: Stored<EntityDocument>): number {
  const exec = (stored.doc as { exec?: { code?: unknown } }).exec;
  return 2048 + (typeof exec?.code === 'string' ? exec.code.length : 0);
}

function decodeInvalidation(payload: Buffer): Invalidation | undefined {
  try {
    const value = JSON.parse(payload.toString('utf8')) as Partial<Invalidation>;
    if (typeof value.origin === 'string' && typeof value.namespace === 'string' && typeof value.key === 'string') {
      return { origin: value.origin, namespace: value.namespace, key: value.key };
    }
  } catch {
    // falls through to undefined
  }
  return undefined;
}
