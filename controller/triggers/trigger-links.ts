import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { ruleLinkOf, sameLink, withRuleLink, type RuleLink, type TriggerDoc } from '../../common/entities/trigger';
import type { EntityStore } from '../../common/spi/entity-store';
import { retry, TRY_AGAIN } from '../../common/retry/retry';

// Every change to a trigger's `rules` map is a read-modify-write checked by revision, retried
// when another writer (a trigger update, another rule) got in between, so concurrent rule
// operations on one trigger never lose each other's links.

const MAX_ATTEMPTS = 16;

export type LinkOutcome =
  /** `previous` is what the map held before, for undoing this change. */
  | { readonly ok: true; readonly previous: RuleLink | undefined }
  | { readonly ok: false; readonly reason: 'trigger-missing' };

/** Sets (or with `link` undefined, removes) the trigger's link for `ruleKey`. */
export function setRuleLink(store: EntityStore, namespace: string, trigger: string, ruleKey: string, link: RuleLink | undefined): Promise<LinkOutcome> {
  // Jittered, so that rules racing on one trigger do not collide again in step.
  return retry<LinkOutcome>(
    async () => {
      const stored = await store.get<TriggerDoc>(namespace, trigger);
      if (!stored || stored.doc.entityType !== 'trigger') return { ok: false, reason: 'trigger-missing' };
      const previous = ruleLinkOf(stored.doc, ruleKey);
      if (sameLink(previous, link)) return { ok: true, previous };
      const outcome = await store.put(namespace, trigger, withRuleLink(stored.doc, ruleKey, link), stored.revision);
      if (outcome.ok) return { ok: true, previous };
      if (outcome.reason !== 'revision-conflict') return { ok: false, reason: 'trigger-missing' };
      return TRY_AGAIN;
    },
    { attempts: MAX_ATTEMPTS, minDelayMs: 1, maxDelayMs: 50, jitter: true, exhausted: () => new PlatformError('revision-conflict', Messages.concurrentModification) },
  );
}
