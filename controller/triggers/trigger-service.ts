import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import type { TriggerDoc } from '../../common/entities/trigger';
import type { EntityStore, ListOptions, Stored } from '../../common/spi/entity-store';
import { retry, TRY_AGAIN, type RetryOptions } from '../../common/retry/retry';
import { conflictFor } from '../entities/store-conflicts';
import { buildTrigger } from './trigger-input';

// Trigger CRUD over the EntityStore (CTL/Triggers.scala). Rule operations rewrite the trigger's
// `rules` map concurrently, so an update or delete that loses a revision race re-reads and
// tries again instead of answering 409 for a change the caller never saw.

/** A lost revision race is read again at once, a few times, then answered 409. */
const RACED: RetryOptions = { attempts: 8, exhausted: () => new PlatformError('revision-conflict', Messages.concurrentModification) };

export class TriggerService {
  constructor(
    private readonly store: EntityStore,
    private readonly now: () => number = Date.now,
  ) {}

  async get(namespace: string, name: string): Promise<Stored<TriggerDoc>> {
    const stored = await this.store.get<TriggerDoc>(namespace, name);
    if (!stored) throw new PlatformError('trigger-not-found', Messages.resourceDoesNotExist);
    if (stored.doc.entityType !== 'trigger') throw new PlatformError('entity-in-other-collection', Messages.wrongCollection);
    return stored;
  }

  async put(namespace: string, name: string, body: Record<string, unknown>, overwrite: boolean): Promise<TriggerDoc> {
    return retry(async () => {
      const existing = await this.store.get<TriggerDoc>(namespace, name);
      if (existing && existing.doc.entityType !== 'trigger') throw new PlatformError('entity-in-other-collection', Messages.wrongCollection);
      if (existing && !overwrite) throw new PlatformError('entity-exists', Messages.resourceExists);
      const doc = buildTrigger(body, { namespace, name, now: this.now() }, existing?.doc);
      const outcome = await this.store.put(namespace, name, doc, existing ? existing.revision : null);
      if (outcome.ok) return doc;
      if (!(existing && outcome.reason === 'revision-conflict')) throw conflictFor(outcome);
      return TRY_AGAIN;
    }, RACED);
  }

  /** Rules that name the trigger stay behind, inactive, as in OpenWhisk. */
  async delete(namespace: string, name: string): Promise<TriggerDoc> {
    return retry(async () => {
      const stored = await this.get(namespace, name);
      return (await this.store.delete(namespace, name, stored.revision)) ? stored.doc : TRY_AGAIN;
    }, RACED);
  }

  async list(namespace: string, options: ListOptions): Promise<TriggerDoc[]> {
    return (await this.store.list<TriggerDoc>(namespace, 'trigger', options)).map((s) => s.doc);
  }

  count(namespace: string): Promise<number> {
    return this.store.count(namespace, 'trigger');
  }
}
