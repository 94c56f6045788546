import type { ActivationRecord } from '../../common/entities/activation';
import type { Identity } from '../../common/entities/identity';
import type { TriggerDoc } from '../../common/entities/trigger';

// Pure pieces of a trigger fire (CTL/Triggers.scala): the per-rule log lines and the trigger's
// own activation record, whose `end` is epoch 0 so the API shows neither end nor duration.

export type RuleOutcome =
  | { readonly kind: 'invoked'; readonly rule: string; readonly action: string; readonly activationId: string }
  | { readonly kind: 'failed'; readonly rule: string; readonly action: string; readonly statusCode: 1 | 3; readonly error: string };

/** One JSON string per rule, with OpenWhisk's field order. */
export function ruleLogLine(outcome: RuleOutcome): string {
  if (outcome.kind === 'invoked') {
    return JSON.stringify({ statusCode: 0, success: true, activationId: outcome.activationId, rule: outcome.rule, action: outcome.action });
  }
  return JSON.stringify({ statusCode: outcome.statusCode, success: false, error: outcome.error, rule: outcome.rule, action: outcome.action });
}

export function triggerActivation(input: {
  readonly trigger: TriggerDoc;
  readonly identity: Identity;
  readonly activationId: string;
  readonly start: number;
  readonly payload: Record<string, unknown>;
  readonly outcomes: readonly RuleOutcome[];
  /** A feed's tick (Wisp's extension): shown as the annotation `fireId`, so a fire can be traced to its source. */
  readonly fireId?: string;
}): ActivationRecord {
  return {
    namespace: input.trigger.namespace,
    name: input.trigger.name,
    subject: input.identity.subject,
    activationId: input.activationId,
    start: input.start,
    end: 0,
    response: { statusCode: 0, result: input.payload },
    logs: input.outcomes.map(ruleLogLine),
    version: input.trigger.version,
    publish: false,
    annotations: input.fireId === undefined ? [] : [{ key: 'fireId', value: input.fireId }],
  };
}

/** What every rule's action receives: trigger parameters under the fire payload (the action's own go under both, in the Dispatcher). */
export function ruleArguments(trigger: TriggerDoc, payload: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const { key, value } of trigger.parameters) args[key] = value;
  return { ...args, ...payload };
}
