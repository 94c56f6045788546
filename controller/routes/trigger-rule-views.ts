import type { RuleDoc, RuleStatus } from '../../common/entities/rule';
import type { TriggerDoc } from '../../common/entities/trigger';
import { entitySummary } from './entity-summary';

// API shapes of triggers and rules: the stored document without the store's `entityType`, the
// trigger list summary (no parameters), and a rule with the status computed from its trigger.

export function triggerView(doc: TriggerDoc): Record<string, unknown> {
  const { entityType: _entityType, ...rest } = doc;
  return rest;
}

export function triggerSummary(doc: TriggerDoc): Record<string, unknown> {
  return entitySummary(doc);
}

export function ruleView(doc: RuleDoc, status?: RuleStatus): Record<string, unknown> {
  const { entityType: _entityType, ...rest } = doc;
  return status ? { ...rest, status } : rest;
}
