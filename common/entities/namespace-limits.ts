import type { LimitBounds } from './limits';

// A namespace's limits (OpenWhisk's UserLimits, ENTITY/Identity.scala and reference §3.1): every
// field optional, merged over the system's at use. Throttles are per minute or in flight; action
// bounds narrow the system range for action PUT and are clamped into it.

export interface NamespaceLimits {
  readonly invocationsPerMinute?: number;
  readonly concurrentInvocations?: number;
  readonly firesPerMinute?: number;
  readonly allowedKinds?: readonly string[];
  readonly storeActivations?: boolean;
  readonly minActionMemory?: number;
  readonly maxActionMemory?: number;
  readonly minActionTimeout?: number;
  readonly maxActionTimeout?: number;
  readonly minActionLogs?: number;
  readonly maxActionLogs?: number;
  readonly minActionConcurrency?: number;
  readonly maxActionConcurrency?: number;
}

export type LimitField = keyof NamespaceLimits;

export interface SystemLimits {
  readonly invocationsPerMinute: number;
  readonly concurrentInvocations: number;
  readonly firesPerMinute: number;
  readonly bounds: LimitBounds;
}

/** What `GET .../limits` answers: every throttle and bound in force for the namespace. */
export interface EffectiveLimits {
  readonly invocationsPerMinute: number;
  readonly concurrentInvocations: number;
  readonly firesPerMinute: number;
  readonly minActionMemory: number;
  readonly maxActionMemory: number;
  readonly minActionTimeout: number;
  readonly maxActionTimeout: number;
  readonly minActionLogs: number;
  readonly maxActionLogs: number;
  readonly minActionConcurrency: number;
  readonly maxActionConcurrency: number;
  /** System maxima of an action's `limits.gpu.memory` (MB per device) and `limits.gpu.count`. */
  readonly maxActionGpuMemory: number;
  readonly maxActionGpuCount: number;
  readonly maxParameterSize: string;
  readonly storeActivations: boolean;
  readonly allowedKinds?: readonly string[];
}

// Wisp's defaults are higher than OpenWhisk's 60/30/60 (DESIGN.md §4).
export const DEFAULT_THROTTLES = { invocationsPerMinute: 6000, concurrentInvocations: 500, firesPerMinute: 6000 } as const;

type FieldKind = 'count' | 'kinds' | 'boolean' | 'bound';
type BoundName = Exclude<keyof LimitBounds, 'gpu'>;

/** Every field an operator may set, with how it is read and (for bounds) which action limit it narrows. */
export const LIMIT_FIELDS: Readonly<Record<LimitField, { kind: FieldKind; bound?: { name: BoundName; side: 'min' | 'max' }; unit?: string }>> = {
  invocationsPerMinute: { kind: 'count' },
  concurrentInvocations: { kind: 'count' },
  firesPerMinute: { kind: 'count' },
  allowedKinds: { kind: 'kinds' },
  storeActivations: { kind: 'boolean' },
  minActionMemory: { kind: 'bound', bound: { name: 'memory', side: 'min' }, unit: 'MB' },
  maxActionMemory: { kind: 'bound', bound: { name: 'memory', side: 'max' }, unit: 'MB' },
  minActionTimeout: { kind: 'bound', bound: { name: 'timeout', side: 'min' }, unit: 'ms' },
  maxActionTimeout: { kind: 'bound', bound: { name: 'timeout', side: 'max' }, unit: 'ms' },
  minActionLogs: { kind: 'bound', bound: { name: 'logs', side: 'min' }, unit: 'MB' },
  maxActionLogs: { kind: 'bound', bound: { name: 'logs', side: 'max' }, unit: 'MB' },
  minActionConcurrency: { kind: 'bound', bound: { name: 'concurrency', side: 'min' } },
  maxActionConcurrency: { kind: 'bound', bound: { name: 'concurrency', side: 'max' } },
};

export const LIMIT_FIELD_NAMES = Object.keys(LIMIT_FIELDS) as LimitField[];
const MAX_COUNT = 1_000_000_000;
const KIND_PATTERN = /^[a-z][\w.-]{0,31}(?::[\w.-]{1,32})?$/;

export function isLimitField(name: string): name is LimitField {
  return Object.hasOwn(LIMIT_FIELDS, name);
}

/**
 * Checks one field's value (already typed: numbers, booleans, string arrays). Answers a sentence
 * naming the field, the value and the rule, or undefined when it is fine.
 */
export function limitValueProblem(field: LimitField, value: unknown): string | undefined {
  const spec = LIMIT_FIELDS[field];
  switch (spec.kind) {
    case 'count':
    case 'bound':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_COUNT) {
        return `${field} must be a whole number from 0 to ${MAX_COUNT}, but was ${JSON.stringify(value)}`;
      }
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${field} must be true or false, but was ${JSON.stringify(value)}`;
    case 'kinds': {
      if (!Array.isArray(value)) return `${field} must be a list of kinds, but was ${JSON.stringify(value)}`;
      const bad = value.find((k) => typeof k !== 'string' || !KIND_PATTERN.test(k));
      return bad === undefined ? undefined : `${field} holds ${JSON.stringify(bad)}, which is not a kind (like 'nodejs:20' or 'blackbox')`;
    }
  }
}

/** A stored limits doc is sane when each min is at most its max; answers the first pair that is not. */
export function boundsOrderProblem(limits: NamespaceLimits): string | undefined {
  for (const name of ['Memory', 'Timeout', 'Logs', 'Concurrency'] as const) {
    const min = limits[`minAction${name}`];
    const max = limits[`maxAction${name}`];
    if (min !== undefined && max !== undefined && min > max) return `minAction${name} (${min}) must not exceed maxAction${name} (${max})`;
  }
  return undefined;
}

/** Applies a patch: a value sets the field, null removes it (the system default applies again). */
export function patchLimits(current: NamespaceLimits, patch: Readonly<Partial<Record<LimitField, unknown>>>): NamespaceLimits {
  const out: Record<string, unknown> = { ...current };
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) delete out[field];
    else if (value !== undefined) out[field] = value;
  }
  return out as NamespaceLimits;
}

export function effectiveLimits(own: NamespaceLimits | undefined, system: SystemLimits): EffectiveLimits {
  const limits = own ?? {};
  const range = (name: BoundName, min: number | undefined, max: number | undefined) => {
    const sys = system.bounds[name];
    // A namespace may narrow the system range, never widen it (UserLimits are clamped to it).
    const hi = clamp(max ?? sys.max, sys.min, sys.max);
    const lo = Math.min(clamp(min ?? sys.min, sys.min, sys.max), hi);
    return { lo, hi };
  };
  const memory = range('memory', limits.minActionMemory, limits.maxActionMemory);
  const timeout = range('timeout', limits.minActionTimeout, limits.maxActionTimeout);
  const logs = range('logs', limits.minActionLogs, limits.maxActionLogs);
  const concurrency = range('concurrency', limits.minActionConcurrency, limits.maxActionConcurrency);
  return {
    invocationsPerMinute: limits.invocationsPerMinute ?? system.invocationsPerMinute,
    concurrentInvocations: limits.concurrentInvocations ?? system.concurrentInvocations,
    firesPerMinute: limits.firesPerMinute ?? system.firesPerMinute,
    minActionMemory: memory.lo,
    maxActionMemory: memory.hi,
    minActionTimeout: timeout.lo,
    maxActionTimeout: timeout.hi,
    minActionLogs: logs.lo,
    maxActionLogs: logs.hi,
    minActionConcurrency: concurrency.lo,
    maxActionConcurrency: concurrency.hi,
    maxActionGpuMemory: system.bounds.gpu.maxMemory,
    maxActionGpuCount: system.bounds.gpu.maxCount,
    maxParameterSize: '1 MB',
    storeActivations: limits.storeActivations ?? true,
    ...(limits.allowedKinds ? { allowedKinds: limits.allowedKinds } : {}),
  };
}

/** The action limit bounds a PUT in this namespace is checked against. */
export function actionBoundsOf(limits: EffectiveLimits): LimitBounds {
  return {
    memory: { min: limits.minActionMemory, max: limits.maxActionMemory },
    timeout: { min: limits.minActionTimeout, max: limits.maxActionTimeout },
    logs: { min: limits.minActionLogs, max: limits.maxActionLogs },
    concurrency: { min: limits.minActionConcurrency, max: limits.maxActionConcurrency },
    gpu: { maxMemory: limits.maxActionGpuMemory, maxCount: limits.maxActionGpuCount },
  };
}

/** Whether a namespace may create actions of `kind`; no list means every kind the platform runs. */
export function isKindAllowed(limits: EffectiveLimits, kind: string): boolean {
  return limits.allowedKinds === undefined || limits.allowedKinds.includes(kind);
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}
