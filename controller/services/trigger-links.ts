import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { ruleLinkOf, sameLink, withRuleLink, type RuleLink, type TriggerDoc } from '../../common/entities/trigger';
import type { EntityStore } from '../../common/spi/entity-store';

// Every change to a trigger's `rules` map is a read-modify-write checked by revision, retried
// when another writer (a trigger update, another rule) got in between, so concurrent rule
// operations on one trigger never lose each other's links.

const MAX_ATTEMPTS = 16;

export type LinkOutcome =
  /** `previous` is what the map held before, for undoing this change. */
  | { readonly ok: true; readonly previous: RuleLink | undefined }
  | { readonly ok: false; readonly reason: 'trigger-missing' };

/** Sets (or with `link` undefined, removes) the trigger's link for `ruleKey`. */
export async function setRuleLink(store: EntityStore, namespace: string, trigger: string, ruleKey: string, link: RuleLink | undefined): Promise<LinkOutcome> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const stored = await store.get<TriggerDoc>(namespace, trigger);
    if (!stored || stored.doc.entityType !== 'trigger') return { ok: false, reason: 'trigger-missing' };
    const previous = ruleLinkOf(stored.doc, ruleKey);
    if (sameLink(previous, link)) return { ok: true, previous };
    const outcome = await store.put(namespace, trigger, withRuleLink(stored.doc, ruleKey, link), stored.revision);
    if (outcome.ok) return { ok: true, previous };
    if (outcome.reason !== 'revision-conflict') return { ok: false, reason: 'trigger-missing' };
    await backoff(attempt);
  }
  throw new PlatformError('revision-conflict', Messages.concurrentModification);
}

function backoff(attempt: number): Promise<void> {
  const ms = Math.min(50, 2 ** attempt) * Math.random();
  return new Promise((resolve) => setTimeout(resolve, ms));
}
