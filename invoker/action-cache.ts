import { LRUCache } from 'lru-cache';
import { execCode, isSequenceExec, type ActionDoc, type ContainerExec } from '../common/entities/action';
import { errorResponse, type ActivationResponse } from '../common/entities/activation';
import { entityKey } from '../common/entities/entity-name';
import type { Logger } from '../common/logging/logger';
import type { ActivationMessage } from '../common/protocol/activation-message';
import type { EntityStore } from '../common/spi/entity-store';
import { ActivationMessages } from './activation-messages';

// The invoker's view of action documents. A message names the action and the revision the
// controller resolved; that revision's document never changes, so it is cached by revision and
// a hit needs no store round trip. A miss reads the store, and runs only the exact revision
// invoked: an action updated or deleted in between becomes a record, never a crash.

/** An action an invoker can run: anything but a sequence, which the controller runs. */
export type RunnableAction = ActionDoc & { readonly exec: ContainerExec };

export type ActionFetch =
  | { readonly ok: true; readonly action: RunnableAction }
  | { readonly ok: false; readonly reason: 'missing' | 'revision-changed' | 'incompatible' | 'fetch-failed'; readonly response: ActivationResponse };

export interface ActionCache {
  fetch(target: ActivationMessage['action']): Promise<ActionFetch>;
}

export interface ActionCacheOptions {
  readonly maxEntries?: number;
  readonly maxCodeBytes?: number;
}

/** `ns/pkg` + `name` → the store's (namespace, key) address. */
export function actionAddress(target: Pick<ActivationMessage['action'], 'namespace' | 'name'>): { namespace: string; key: string } {
  const slash = target.namespace.indexOf('/');
  if (slash < 0) return { namespace: target.namespace, key: entityKey({ name: target.name }) };
  return { namespace: target.namespace.slice(0, slash), key: entityKey({ pkg: target.namespace.slice(slash + 1), name: target.name }) };
}

export function createActionCache(store: EntityStore, logger: Logger, options: ActionCacheOptions = {}): ActionCache {
  // Bounded by code bytes as well as entries, so a few 48 MB actions cannot pin gigabytes of heap;
  // an action larger than the whole bound is run but not cached. Sizes must be positive: a
  // code-less blackbox weighs 1.
  const cache = new LRUCache<string, RunnableAction>({
    max: options.maxEntries ?? 512,
    maxSize: options.maxCodeBytes ?? 256 * 1024 * 1024,
    sizeCalculation: (doc) => Math.max(1, execCode(doc.exec)?.length ?? 0),
  });
  const failed = (reason: Extract<ActionFetch, { ok: false }>['reason'], message: string): ActionFetch => ({
    ok: false,
    reason,
    response: errorResponse(3, message),
  });

  return {
    async fetch(target) {
      const { namespace, key } = actionAddress(target);
      const cacheKey = `${namespace}\u0000${key}\u0000${target.revision}`;
      const cached = cache.get(cacheKey);
      if (cached) return { ok: true, action: cached };
      let stored;
      try {
        stored = await store.get<ActionDoc>(namespace, key);
      } catch (error) {
        logger.error({ err: error, namespace, key }, 'action fetch failed');
        return failed('fetch-failed', ActivationMessages.actionFetchFailed);
      }
      if (!stored) return failed('missing', ActivationMessages.actionMissing);
      if (!isRunnable(stored.doc)) return failed('incompatible', ActivationMessages.actionIncompatible);
      if (stored.revision !== target.revision) {
        return failed('revision-changed', ActivationMessages.revisionChanged(target.revision, stored.revision));
      }
      cache.set(cacheKey, stored.doc);
      return { ok: true, action: stored.doc };
    },
  };
}

function isRunnable(doc: ActionDoc): doc is RunnableAction {
  if (doc.entityType !== 'action' || typeof doc.exec !== 'object' || doc.exec === null || isSequenceExec(doc.exec)) return false;
  // A blackbox may come without code; every other kind needs it.
  return typeof doc.exec.code === 'string' || (doc.exec.kind === 'blackbox' && doc.exec.code === undefined);
}
