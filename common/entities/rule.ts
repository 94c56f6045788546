import type { KeyValue } from './parameters';

// A rule binds a trigger to an action. Its status is not stored here: it lives in the trigger's
// `rules` map (see trigger.ts), which is what a fire reads, so a fire needs no rule lookups.

export type RuleStatus = 'active' | 'inactive';
export const RULE_STATUSES: readonly RuleStatus[] = ['active', 'inactive'];

/** A fully qualified entity as OpenWhisk serializes it: `path` is `ns` or `ns/pkg`. */
export interface EntityRef {
  readonly path: string;
  readonly name: string;
}

export interface RuleDoc {
  readonly entityType: 'rule';
  readonly namespace: string;
  readonly name: string;
  readonly version: string;
  readonly publish: boolean;
  readonly annotations: readonly KeyValue[];
  readonly trigger: EntityRef;
  readonly action: EntityRef;
  readonly updated: number;
}

/** `ns/name` or `ns/pkg/name`, without a leading slash, as OpenWhisk prints a fully qualified name. */
export function refPath(ref: EntityRef): string {
  return `${ref.path}/${ref.name}`;
}

/** The namespace a reference lives in, and the entity's key inside it (`name` or `pkg/name`). */
export function refAddress(ref: EntityRef): { namespace: string; key: string; pkg?: string } {
  const slash = ref.path.indexOf('/');
  if (slash < 0) return { namespace: ref.path, key: ref.name };
  const pkg = ref.path.slice(slash + 1);
  return { namespace: ref.path.slice(0, slash), key: `${pkg}/${ref.name}`, pkg };
}

export function sameRef(a: EntityRef, b: EntityRef): boolean {
  return a.path === b.path && a.name === b.name;
}

/** The key of a rule in a trigger's `rules` map: the rule's document id `ns/name`. */
export function ruleKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
