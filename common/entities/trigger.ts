import type { KeyValue } from './parameters';
import type { EntityRef, RuleStatus } from './rule';

// OpenWhisk's trigger (ENTITY/WhiskTrigger.scala). The `rules` map, keyed by rule document id,
// is THE storage of rule status and the only thing a fire reads; it is absent until a rule is
// attached and every change to it is a revision-checked write of the trigger.

export interface RuleLink {
  readonly action: EntityRef;
  readonly status: RuleStatus;
}

export interface TriggerDoc {
  readonly entityType: 'trigger';
  readonly namespace: string;
  readonly name: string;
  readonly version: string;
  readonly publish: boolean;
  readonly parameters: readonly KeyValue[];
  /** Always `{}`: OpenWhisk's TriggerLimits has no fields. */
  readonly limits: Readonly<Record<string, never>>;
  readonly annotations: readonly KeyValue[];
  readonly rules?: Readonly<Record<string, RuleLink>>;
  readonly updated: number;
}

export function ruleLinkOf(trigger: TriggerDoc | undefined, ruleKey: string): RuleLink | undefined {
  const rules = trigger?.rules;
  return rules && Object.prototype.hasOwnProperty.call(rules, ruleKey) ? rules[ruleKey] : undefined;
}

/** A rule with no link (or no trigger) is inactive, as OpenWhisk computes it. */
export function ruleStatusIn(trigger: TriggerDoc | undefined, ruleKey: string): RuleStatus {
  return ruleLinkOf(trigger, ruleKey)?.status ?? 'inactive';
}

/** The trigger with `ruleKey` linked to `link`, or unlinked when `link` is undefined (no map when none is left). Pure. */
export function withRuleLink(trigger: TriggerDoc, ruleKey: string, link: RuleLink | undefined): TriggerDoc {
  const rules: Record<string, RuleLink> = {};
  for (const [key, value] of Object.entries(trigger.rules ?? {})) if (key !== ruleKey) rules[key] = value;
  if (link) rules[ruleKey] = link;
  const { rules: _old, ...rest } = trigger;
  // An empty map is dropped so that undoing the first link restores the document exactly.
  return Object.keys(rules).length > 0 ? { ...rest, rules } : rest;
}

export function sameLink(a: RuleLink | undefined, b: RuleLink | undefined): boolean {
  if (!a || !b) return a === b;
  return a.status === b.status && a.action.path === b.action.path && a.action.name === b.action.name;
}
