import type { ActionLimits } from './limits';
import type { KeyValue } from './parameters';

// The stored form of an action. Code lives in the document; the invoker fetches it by
// revision and caches it, so activation messages never carry code.

export const NODEJS_KINDS = ['nodejs:20', 'nodejs:default'] as const;
export type ActionKind = (typeof NODEJS_KINDS)[number];
export const SUPPORTED_KINDS: readonly string[] = [...NODEJS_KINDS];

/** The runtime family that serves a kind; one image (or process runtime) per family. */
export type RuntimeFamily = 'nodejs';

export function runtimeFamily(kind: string): RuntimeFamily | undefined {
  return (NODEJS_KINDS as readonly string[]).includes(kind) ? 'nodejs' : undefined;
}

export interface ActionExec {
  readonly kind: string;
  readonly code: string;
  readonly binary: boolean;
  readonly main?: string;
}

export interface ActionDoc {
  readonly entityType: 'action';
  readonly namespace: string; // `ns` or `ns/pkg`
  readonly name: string;
  readonly version: string;
  readonly publish: boolean;
  readonly exec: ActionExec;
  readonly parameters: readonly KeyValue[];
  readonly annotations: readonly KeyValue[];
  readonly limits: ActionLimits;
  readonly updated: number;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** OpenWhisk computes `binary` for string code instead of trusting the client (clients §3.6). */
export function isBinaryCode(code: string): boolean {
  const trimmed = code.trim();
  return trimmed.length > 0 && trimmed.length % 4 === 0 && BASE64.test(trimmed);
}

export function bumpPatch(version: string): string {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10));
  const [major = 0, minor = 0, patch = 0] = parts.map((n) => (Number.isFinite(n) ? n : 0));
  return `${major}.${minor}.${patch + 1}`;
}
