import { createHash } from 'node:crypto';
import { Messages } from '../../common/errors/messages';
import { PlatformError, isPlatformError } from '../../common/errors/platform-error';
import type { Identity } from '../../common/entities/identity';
import { refPath } from '../../common/entities/rule';
import type { RuleLink, TriggerDoc } from '../../common/entities/trigger';
import { newActivationId } from '../../common/ids';
import type { Logger } from '../../common/logging/logger';
import type { ActivationStore } from '../../common/spi/activation-store';
import type { EntityStore } from '../../common/spi/entity-store';
import type { Dispatcher } from '../invocation/dispatcher';
import type { Throttler } from '../throttles/throttler';
import type { ActionLookup } from '../actions/action-lookup';
import { ruleArguments, triggerActivation, type RuleOutcome } from './trigger-activation';

// Firing a trigger (reference §7.1): no active rule means nothing happens and nothing is
// recorded (204); otherwise every active rule's action is invoked non-blocking through the same
// Dispatcher as a direct invoke, with `cause` = the trigger's activation id, and the trigger's
// own activation records one log line per rule. A rule that cannot run never stops the others.

export type FireOutcome = { readonly kind: 'no-active-rules' } | { readonly kind: 'fired'; readonly activationId: string; readonly duplicate?: true };

/** How long a fire id is remembered: a feed retries a tick for minutes, never for a day. */
export const FIRE_ID_MEMORY_MS = 24 * 60 * 60 * 1000;

/**
 * How long a fire id is held while its rules are being dispatched (ADR 0026): a process that dies
 * in between leaves this claim, not the final one, so the feed's retry is answered 409 (tried
 * again) until it lapses and then runs the rules, instead of being told "done" for a fire that never ran.
 */
export const FIRE_ID_PENDING_MS = 30_000;
const PENDING_HOLDER = 'trigger-fire-pending:';
const FIRED_HOLDER = 'trigger-fire';

/** A fire id's trigger activation id: the same id for the same trigger and fire id, so a retried fire is recognised. */
export function fireActivationId(namespace: string, name: string, fireId: string): string {
  return createHash('sha256').update(`wisp-fire\0${namespace}/${name}\0${fireId}`).digest('hex').slice(0, 32);
}

export interface TriggerFireDeps {
  readonly store: EntityStore;
  readonly activations: ActivationStore;
  readonly dispatcher: Pick<Dispatcher, 'invoke'>;
  readonly lookupAction: ActionLookup;
  /** Rule-caused invokes count against the namespace like direct ones, as on OpenWhisk. */
  readonly throttles?: Pick<Throttler, 'checkInvokeRate' | 'acquire' | 'release'>;
  readonly logger: Logger;
  readonly now?: () => number;
}

export class TriggerFireService {
  constructor(private readonly deps: TriggerFireDeps) {}

  /**
   * `fireId` (a feed's tick, header X-Wisp-Fire-Id) makes the fire idempotent: a second fire with
   * the same id runs no rule and answers the first one's activation id.
   */
  async fire(identity: Identity, namespace: string, name: string, payload: Record<string, unknown>, transid: string, fireId?: string): Promise<FireOutcome> {
    const stored = await this.deps.store.get<TriggerDoc>(namespace, name);
    if (!stored) throw new PlatformError('trigger-not-found', Messages.resourceDoesNotExist);
    if (stored.doc.entityType !== 'trigger') throw new PlatformError('entity-in-other-collection', Messages.wrongCollection);
    const trigger = stored.doc;
    const links = Object.entries(trigger.rules ?? {});
    if (!links.some(([, link]) => link.status === 'active')) return { kind: 'no-active-rules' };

    const activationId = fireId === undefined ? newActivationId() : fireActivationId(namespace, name, fireId);
    const pending = `${PENDING_HOLDER}${newActivationId()}`;
    if (fireId !== undefined) {
      const claim = await this.deps.activations.claim(activationId, pending, FIRE_ID_PENDING_MS);
      if (!claim.granted && claim.holder.startsWith(PENDING_HOLDER)) throw new PlatformError('trigger-fire-in-progress', Messages.fireInProgress(fireId));
      if (!claim.granted) {
        this.deps.logger.info({ transid, activationId, trigger: `${namespace}/${name}`, fireId }, 'duplicate fire id: the trigger was fired for it already');
        return { kind: 'fired', activationId, duplicate: true };
      }
    }
    const start = (this.deps.now ?? Date.now)();
    const args = ruleArguments(trigger, payload);
    // The rules are the trigger's namespace's (a rule may only name its own namespace's trigger),
    // so that is whose entitlement each action is resolved against, not the firer's.
    const owner = trigger.namespace;
    const path = `${trigger.namespace}/${trigger.name}`;
    const outcomes = await Promise.all(links.map(([rule, link]) => this.runRule({ identity, owner, rule, link, args, cause: activationId, trigger: path, transid })));
    // Every rule's action is on its way: from now on the fire id answers "fired" for a day.
    if (fireId !== undefined) await this.deps.activations.claim(activationId, FIRED_HOLDER, FIRE_ID_MEMORY_MS, { supersedes: pending });
    const record = triggerActivation({ trigger, identity, activationId, start, payload, outcomes, ...(fireId !== undefined ? { fireId } : {}) });
    try {
      await this.deps.activations.create(record);
    } catch (err) {
      // The rules' actions are already on their way; failing the fire now would only make the
      // caller fire again and run them twice.
      this.deps.logger.error({ err, transid, activationId, trigger: `${namespace}/${name}` }, 'trigger activation could not be stored');
    }
    return { kind: 'fired', activationId };
  }

  private async runRule(input: { identity: Identity; owner: string; rule: string; link: RuleLink; args: Record<string, unknown>; cause: string; trigger: string; transid: string }): Promise<RuleOutcome> {
    const { rule, link } = input;
    const action = refPath(link.action);
    if (link.status !== 'active') return { kind: 'failed', rule, action, statusCode: 1, error: Messages.ruleInactive(rule, action) };
    try {
      // Asked at every fire: a package unpublished, a binding deleted or the action gone since
      // the rule was saved stops it here, before anything is sent.
      const lookup = await this.deps.lookupAction(link.action, input.owner);
      if (lookup.kind === 'not-entitled') return { kind: 'failed', rule, action, statusCode: 1, error: Messages.ruleNotEntitled(rule, action) };
      if (lookup.kind === 'missing') return { kind: 'failed', rule, action, statusCode: 1, error: Messages.resourceDoesNotExist };
      const found = lookup.found;
      const namespace = input.identity.namespace;
      await this.deps.throttles?.checkInvokeRate(namespace);
      const activationId = newActivationId();
      await this.deps.throttles?.acquire(namespace, activationId, found.action.doc.limits.timeout);
      try {
        await this.deps.dispatcher.invoke({ identity: input.identity, ...found, payload: input.args, transid: input.transid, cause: input.cause, causedBy: 'trigger', trigger: input.trigger, activationId }, false);
      } catch (err) {
        this.deps.throttles?.release(activationId);
        throw err;
      }
      return { kind: 'invoked', rule, action, activationId };
    } catch (err) {
      // OpenWhisk's mapping of the rule's invoke answer: 4xx is an application error, the rest a whisk error.
      const exposed = isPlatformError(err) && err.expose;
      if (!exposed) this.deps.logger.error({ err, transid: input.transid, rule, action }, 'rule action could not be invoked');
      return { kind: 'failed', rule, action, statusCode: isPlatformError(err) && err.status < 500 ? 1 : 3, error: exposed ? err.message : Messages.internalError };
    }
  }
}
