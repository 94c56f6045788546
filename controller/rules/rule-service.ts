import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { refAddress, refPath, ruleKey, sameRef, type EntityRef, type RuleDoc, type RuleStatus } from '../../common/entities/rule';
import { ruleStatusIn, type TriggerDoc } from '../../common/entities/trigger';
import type { Logger } from '../../common/logging/logger';
import type { EntityStore, ListOptions, Stored } from '../../common/spi/entity-store';
import type { ActionLookup } from '../actions/action-lookup';
import { parseRuleState, buildRule } from './rule-input';
import { conflictFor } from '../entities/store-conflicts';
import { setRuleLink } from '../triggers/trigger-links';

// Rule CRUD and state (CTL/Rules.scala). A rule is two writes: its own document and its link
// in the trigger's `rules` map. They cannot be one atomic write, so every operation records how
// to undo each step it made and, when a later step fails, undoes them in reverse: a refused or
// failed request leaves neither a rule without its link nor a link without its rule.

export interface RuleWithStatus {
  readonly doc: RuleDoc;
  readonly status: RuleStatus;
}

type Undo = () => Promise<unknown>;

export class RuleService {
  constructor(
    private readonly deps: {
      readonly store: EntityStore;
      readonly lookupAction: ActionLookup;
      readonly logger: Logger;
      readonly now?: () => number;
    },
  ) {}

  async get(namespace: string, name: string): Promise<RuleWithStatus> {
    const stored = await this.load(namespace, name);
    const trigger = await this.trigger(stored.doc.trigger);
    return { doc: stored.doc, status: ruleStatusIn(trigger, ruleKey(namespace, name)) };
  }

  async put(namespace: string, name: string, body: Record<string, unknown>, overwrite: boolean): Promise<RuleWithStatus> {
    const { store } = this.deps;
    const existing = await store.get<RuleDoc>(namespace, name);
    if (existing && existing.doc.entityType !== 'rule') throw new PlatformError('entity-in-other-collection', Messages.wrongCollection);
    if (existing && !overwrite) throw new PlatformError('entity-exists', Messages.resourceExists);
    const doc = buildRule(body, { namespace, name, now: (this.deps.now ?? Date.now)() }, existing?.doc);
    checkTriggerAccess(doc.trigger, namespace);
    // The same lookup a fire makes, as this rule's namespace: what it may not run, it may not name.
    const target = await this.deps.lookupAction(doc.action, namespace);
    if (target.kind === 'not-entitled') throw new PlatformError('entity-not-authorized', Messages.notAuthorized(refPath(doc.action)));
    if (!(await this.trigger(doc.trigger))) throw new PlatformError('rule-trigger-unknown', Messages.triggerDoesNotExist(`/${refPath(doc.trigger)}`));
    if (target.kind === 'missing') throw new PlatformError('rule-action-unknown', Messages.actionDoesNotExist(`/${refPath(doc.action)}`));

    const key = ruleKey(namespace, name);
    // An update keeps the rule's state; a new rule starts active.
    const status = existing ? ruleStatusIn(await this.trigger(existing.doc.trigger), key) : 'active';
    const written = await store.put(namespace, name, doc, existing ? existing.revision : null);
    if (!written.ok) throw conflictFor(written);

    const undo: Undo[] = [() => (existing ? store.put(namespace, name, existing.doc, written.revision) : store.delete(namespace, name, written.revision))];
    await this.steps(undo, async () => {
      const target = refAddress(doc.trigger);
      const linked = await setRuleLink(store, target.namespace, target.key, key, { action: doc.action, status });
      if (!linked.ok) throw new PlatformError('rule-trigger-unknown', Messages.triggerDoesNotExist(`/${refPath(doc.trigger)}`));
      undo.push(() => setRuleLink(store, target.namespace, target.key, key, linked.previous));
      if (existing && !sameRef(existing.doc.trigger, doc.trigger)) {
        const old = refAddress(existing.doc.trigger);
        const unlinked = await setRuleLink(store, old.namespace, old.key, key, undefined);
        if (unlinked.ok) undo.push(() => setRuleLink(store, old.namespace, old.key, key, unlinked.previous));
      }
      // A delete or another update of this rule that ran in between would leave our link
      // pointing at a rule that is not this document.
      if ((await store.get<RuleDoc>(namespace, name))?.revision !== written.revision) throw new PlatformError('revision-conflict', Messages.concurrentModification);
    });
    return { doc, status };
  }

  async setState(namespace: string, name: string, body: Record<string, unknown>): Promise<RuleWithStatus> {
    const status = parseRuleState(body);
    const stored = await this.load(namespace, name);
    const target = refAddress(stored.doc.trigger);
    const key = ruleKey(namespace, name);
    const linked = await setRuleLink(this.deps.store, target.namespace, target.key, key, { action: stored.doc.action, status });
    if (!linked.ok) throw new PlatformError('rule-trigger-missing', Messages.ruleTriggerMissing);
    await this.steps([() => setRuleLink(this.deps.store, target.namespace, target.key, key, linked.previous)], async () => {
      const now = await this.deps.store.get<RuleDoc>(namespace, name);
      if (!now || now.doc.entityType !== 'rule') throw new PlatformError('rule-not-found', Messages.resourceDoesNotExist);
      if (now.revision !== stored.revision) throw new PlatformError('revision-conflict', Messages.concurrentModification);
    });
    return { doc: stored.doc, status };
  }

  /** Removes the link (no need to deactivate first) and answers the rule as inactive. */
  async delete(namespace: string, name: string): Promise<RuleWithStatus> {
    const stored = await this.load(namespace, name);
    const target = refAddress(stored.doc.trigger);
    const key = ruleKey(namespace, name);
    const unlinked = await setRuleLink(this.deps.store, target.namespace, target.key, key, undefined);
    const undo: Undo[] = unlinked.ok ? [() => setRuleLink(this.deps.store, target.namespace, target.key, key, unlinked.previous)] : [];
    await this.steps(undo, async () => {
      if (!(await this.deps.store.delete(namespace, name, stored.revision))) throw new PlatformError('revision-conflict', Messages.concurrentModification);
    });
    return { doc: stored.doc, status: 'inactive' };
  }

  async list(namespace: string, options: ListOptions): Promise<RuleDoc[]> {
    return (await this.deps.store.list<RuleDoc>(namespace, 'rule', options)).map((s) => s.doc);
  }

  count(namespace: string): Promise<number> {
    return this.deps.store.count(namespace, 'rule');
  }

  private async load(namespace: string, name: string): Promise<Stored<RuleDoc>> {
    const stored = await this.deps.store.get<RuleDoc>(namespace, name);
    if (!stored) throw new PlatformError('rule-not-found', Messages.resourceDoesNotExist);
    if (stored.doc.entityType !== 'rule') throw new PlatformError('entity-in-other-collection', Messages.wrongCollection);
    return stored;
  }

  private async trigger(ref: EntityRef): Promise<TriggerDoc | undefined> {
    const { namespace, key } = refAddress(ref);
    const stored = await this.deps.store.get<TriggerDoc>(namespace, key);
    return stored?.doc.entityType === 'trigger' ? stored.doc : undefined;
  }

  /** Runs `work`; when it throws, runs `undo` newest first (each failure logged), then rethrows. */
  private async steps(undo: Undo[], work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      for (const step of [...undo].reverse()) {
        try {
          await step();
        } catch (undoErr) {
          this.deps.logger.error({ err: undoErr }, 'could not undo a partial rule change');
        }
      }
      throw err;
    }
  }
}

/** A rule's trigger is its own namespace's (triggers are never shared); anything else is 403 before existence is revealed. */
function checkTriggerAccess(ref: EntityRef, ruleNamespace: string): void {
  if (refAddress(ref).namespace !== ruleNamespace) throw new PlatformError('entity-not-authorized', Messages.notAuthorized(refPath(ref)));
}
