import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { isValidName } from '../../common/entities/entity-name';
import { RULE_STATUSES, type EntityRef, type RuleDoc, type RuleStatus } from '../../common/entities/rule';
import { given, malformed, nextVersion, parseKeyValues, parsePublish, parseVersion } from '../entities/entity-fields-input';

// Turns an untrusted rule PUT body (OpenWhisk's WhiskRulePut) into a stored rule. `trigger` and
// `action` come as fully qualified strings (`/_/t`, `/ns/pkg/a`, `ns/a`, or a bare `a`) or as
// `{path, name}` objects; `_` and a missing namespace both mean the rule's own namespace.

export interface RuleInputContext {
  readonly namespace: string;
  readonly name: string;
  readonly now: number;
}

const REF_RULE = "a fully qualified name '/namespace/[package/]name' or an object {path, name}";

export function buildRule(body: Record<string, unknown>, context: RuleInputContext, existing?: RuleDoc): RuleDoc {
  const trigger = given(body.trigger) ? parseEntityRef(body.trigger, 'trigger', context.namespace) : existing?.trigger;
  const action = given(body.action) ? parseEntityRef(body.action, 'action', context.namespace) : existing?.action;
  if (!trigger || !action) throw new PlatformError('rule-incomplete', Messages.ruleNeedsTriggerAndAction);
  const annotations = given(body.annotations) ? parseKeyValues(body.annotations, 'annotations') : undefined;
  const version = given(body.version) ? parseVersion(body.version) : undefined;
  const publish = given(body.publish) ? parsePublish(body.publish) : undefined;
  return {
    entityType: 'rule',
    namespace: context.namespace,
    name: context.name,
    version: nextVersion(version, existing),
    publish: publish ?? existing?.publish ?? false,
    annotations: annotations ?? existing?.annotations ?? [],
    trigger,
    action,
    updated: context.now,
  };
}

export function parseEntityRef(raw: unknown, field: 'trigger' | 'action', ruleNamespace: string): EntityRef {
  const ref = typeof raw === 'string' ? fromString(raw, ruleNamespace) : typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? fromObject(raw as Record<string, unknown>, ruleNamespace) : undefined;
  if (!ref) throw malformed('field-invalid', Messages.fieldType(field, raw, REF_RULE));
  return ref;
}

function fromString(raw: string, ruleNamespace: string): EntityRef | undefined {
  const segments = (raw.startsWith('/') ? raw.slice(1) : raw).split('/');
  if (segments.length > 3 || !segments.every(isValidName)) return undefined;
  const name = segments.pop()!;
  if (segments.length === 0) return { path: ruleNamespace, name };
  const [namespace, ...pkg] = segments;
  return { path: [resolveNamespace(namespace!, ruleNamespace), ...pkg].join('/'), name };
}

function fromObject(raw: Record<string, unknown>, ruleNamespace: string): EntityRef | undefined {
  const { path, name } = raw;
  if (typeof path !== 'string' || typeof name !== 'string' || !isValidName(name)) return undefined;
  const segments = path.split('/');
  if (segments.length > 2 || !segments.every(isValidName)) return undefined;
  const [namespace, ...pkg] = segments;
  return { path: [resolveNamespace(namespace!, ruleNamespace), ...pkg].join('/'), name };
}

function resolveNamespace(segment: string, ruleNamespace: string): string {
  return segment === '_' ? ruleNamespace : segment;
}

/** The body of `POST rules/{name}`: `{status: 'active' | 'inactive'}`. */
export function parseRuleState(body: Record<string, unknown>): RuleStatus {
  const status = body.status;
  if (typeof status === 'string' && (RULE_STATUSES as readonly string[]).includes(status)) return status as RuleStatus;
  const shown = typeof status === 'string' ? status : status === undefined ? '' : JSON.stringify(status);
  throw new PlatformError('rule-state-unknown', Messages.ruleStateUnknown(shown.length > 64 ? `${shown.slice(0, 64)}...` : shown));
}
