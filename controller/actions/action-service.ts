import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { isSequenceExec, type ActionDoc } from '../../common/entities/action';
import { entityKey } from '../../common/entities/entity-name';
import type { LimitBounds } from '../../common/entities/limits';
import type { EntityStore, ListOptions, Stored } from '../../common/spi/entity-store';
import { conflictFor } from '../entities/store-conflicts';
import { buildAction } from './action-input';
import { checkSequence } from '../sequences/sequence-check';
import { storeComponentResolver, type ComponentResolver } from '../sequences/sequence-resolver';

// Action CRUD over the EntityStore with OpenWhisk's answers: 409 for an existing name without
// overwrite, for a stale revision, and for a name held by another kind of entity.

/** The action limit bounds of a namespace (its limits doc narrows the system's). */
export type BoundsOf = (namespace: string) => Promise<LimitBounds>;

export class ActionService {
  constructor(
    private readonly store: EntityStore,
    private readonly bounds: LimitBounds | BoundsOf,
    private readonly now: () => number = Date.now,
    /** How a sequence's components are found and entitled when it is saved. */
    private readonly components: ComponentResolver = storeComponentResolver(store),
  ) {}

  /** `pkg` addresses an action inside package `namespace/pkg` (stored under the key `pkg/name`). */
  async get(namespace: string, name: string, pkg?: string): Promise<Stored<ActionDoc>> {
    const stored = await this.store.get<ActionDoc>(namespace, entityKey({ pkg, name }));
    if (!stored) throw new PlatformError('action-not-found', Messages.resourceDoesNotExist);
    if (stored.doc.entityType !== 'action') throw new PlatformError('entity-in-other-collection', Messages.wrongCollection);
    return stored;
  }

  async put(namespace: string, name: string, body: Record<string, unknown>, overwrite: boolean, pkg?: string): Promise<ActionDoc> {
    const key = entityKey({ pkg, name });
    const existing = await this.store.get<ActionDoc>(namespace, key);
    if (existing && existing.doc.entityType !== 'action') throw new PlatformError('entity-in-other-collection', Messages.wrongCollection);
    if (existing && !overwrite) throw new PlatformError('entity-exists', Messages.resourceExists);
    const bounds = typeof this.bounds === 'function' ? await this.bounds(namespace) : this.bounds;
    const doc = buildAction(body, { namespace: pkg ? `${namespace}/${pkg}` : namespace, name, bounds, now: this.now() }, existing?.doc);
    if (body.exec !== undefined && isSequenceExec(doc.exec)) await checkSequence({ namespace, pkg, name }, doc.exec.components, this.components);
    const outcome = await this.store.put(namespace, key, doc, existing ? existing.revision : null);
    if (!outcome.ok) throw conflictFor(outcome);
    return doc;
  }

  async delete(namespace: string, name: string, pkg?: string): Promise<ActionDoc> {
    const stored = await this.get(namespace, name, pkg);
    const deleted = await this.store.delete(namespace, entityKey({ pkg, name }), stored.revision);
    if (!deleted) throw new PlatformError('revision-conflict', Messages.concurrentModification);
    return stored.doc;
  }

  async list(namespace: string, options: ListOptions): Promise<ActionDoc[]> {
    return (await this.store.list<ActionDoc>(namespace, 'action', options)).map((s) => s.doc);
  }

  count(namespace: string): Promise<number> {
    return this.store.count(namespace, 'action');
  }
}
