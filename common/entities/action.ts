import type { ActionLimits } from './limits';
import type { KeyValue } from './parameters';

// The stored form of an action. Code lives in the document; the invoker fetches it by
// revision and caches it, so activation messages never carry code.

export const NODEJS_KINDS = ['nodejs:20', 'nodejs:default'] as const;
export const PYTHON_KINDS = ['python:3.11', 'python:default'] as const;
/** Kinds a managed runtime (an image this project builds, or a process runtime) serves. */
export const RUNTIME_KINDS = [...NODEJS_KINDS, ...PYTHON_KINDS] as const;
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];
export const BLACKBOX_KIND = 'blackbox';
export const SEQUENCE_KIND = 'sequence';
export type ActionKind = RuntimeKind | typeof BLACKBOX_KIND | typeof SEQUENCE_KIND;
/** The runtimes listed when a kind is refused (OpenWhisk lists its manifest's runtimes). */
export const SUPPORTED_KINDS: readonly string[] = [...RUNTIME_KINDS];
/** OpenWhisk's `limits.actions.sequence.maxLength`: atomic actions, nested sequences counted inline. */
export const MAX_SEQUENCE_LENGTH = 50;

/** The runtime family that serves a kind; one image (or process runtime) per family. */
export type RuntimeFamily = 'nodejs' | 'python';

/** What a container runs: a managed runtime family, or a blackbox action's own image. */
export type ContainerRuntime = RuntimeFamily | typeof BLACKBOX_KIND;

const FAMILY_DEFAULT_KIND: Readonly<Record<RuntimeFamily, RuntimeKind>> = { nodejs: 'nodejs:20', python: 'python:3.11' };

export function runtimeFamily(kind: string): RuntimeFamily | undefined {
  if ((NODEJS_KINDS as readonly string[]).includes(kind)) return 'nodejs';
  if ((PYTHON_KINDS as readonly string[]).includes(kind)) return 'python';
  return undefined;
}

/** `<family>:default` is stored as the family's default kind, as OpenWhisk's manifest resolves it. */
export function resolveDefaultKind(kind: RuntimeKind): RuntimeKind {
  const family = runtimeFamily(kind);
  return family && kind === `${family}:default` ? FAMILY_DEFAULT_KIND[family] : kind;
}

export function isRuntimeKind(kind: string): kind is RuntimeKind {
  return runtimeFamily(kind) !== undefined;
}

/** Code run by one of the managed runtimes. */
export interface CodeExec {
  readonly kind: RuntimeKind;
  readonly code: string;
  readonly binary: boolean;
  readonly main?: string;
}

/** Any image that speaks the action protocol on 8080; the code, when given, goes to its /init. */
export interface BlackboxExec {
  readonly kind: typeof BLACKBOX_KIND;
  readonly image: string;
  readonly code?: string;
  readonly binary: boolean;
  readonly main?: string;
}

/** Fully qualified component names (`/ns/action`, `/ns/pkg/action`), `_` already resolved. */
export interface SequenceExec {
  readonly kind: typeof SEQUENCE_KIND;
  readonly components: readonly string[];
}

export type ActionExec = CodeExec | BlackboxExec | SequenceExec;

/** Exec kinds an invoker runs in a container (everything but sequences, which the controller runs). */
export type ContainerExec = CodeExec | BlackboxExec;

export function isSequenceExec(exec: ActionExec): exec is SequenceExec {
  return exec.kind === SEQUENCE_KIND;
}

/**
 * An action the controller runs as a composition (OpenWhisk's conductor actions, reference §7.3):
 * a truthy `conductor` annotation on anything but a sequence, where OpenWhisk ignores it.
 */
export function isConductorAction(doc: Pick<ActionDoc, 'exec' | 'annotations'>): boolean {
  if (isSequenceExec(doc.exec)) return false;
  const value = doc.annotations.find((a) => a.key === 'conductor')?.value;
  return value === true || (typeof value === 'number' && value !== 0) || (typeof value === 'string' && value !== '' && value !== 'false');
}

export function isBlackboxExec(exec: ActionExec): exec is BlackboxExec {
  return exec.kind === BLACKBOX_KIND;
}

/** The code an exec carries, if any (sequences and code-less blackboxes have none). */
export function execCode(exec: ActionExec): string | undefined {
  return isSequenceExec(exec) ? undefined : exec.code;
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
/** The same test as isBinaryCode, as source text for the JSON parse worker, which examines large uploads. */
export const BASE64_PATTERN_SOURCE = BASE64.source;

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
