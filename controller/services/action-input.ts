import { Messages } from '../../common/errors/messages';
import { PlatformError, badRequest } from '../../common/errors/platform-error';
import { SUPPORTED_KINDS, bumpPatch, isBinaryCode, runtimeFamily, type ActionDoc, type ActionExec } from '../../common/entities/action';
import { DEFAULT_LIMITS, type ActionLimits, type LimitBounds } from '../../common/entities/limits';
import type { KeyValue } from '../../common/entities/parameters';

// Turns an untrusted PUT body into a stored action, applying OpenWhisk's create and update
// rules (ENTITY/WhiskAction.scala, CTL/Actions.scala). Known fields of the wrong type are 400;
// unknown fields are ignored because clients send extra ones (`namespace`, `name`).

export const PARAMETERS_LIMIT_BYTES = 1024 * 1024;

export interface ActionInputContext {
  readonly namespace: string; // `ns` or `ns/pkg`
  readonly name: string;
  readonly bounds: LimitBounds;
  readonly now: number;
}

export function buildAction(body: Record<string, unknown>, context: ActionInputContext, existing?: ActionDoc): ActionDoc {
  const exec = body.exec === undefined ? undefined : parseExec(body.exec);
  if (!existing && !exec) throw malformed(Messages.execUndefined);
  const parameters = body.parameters === undefined ? undefined : parseKeyValues(body.parameters, 'parameters');
  const annotations = body.annotations === undefined ? undefined : parseKeyValues(body.annotations, 'annotations');
  const delAnnotations = body.delAnnotations === undefined ? [] : parseStringArray(body.delAnnotations, 'delAnnotations');
  const limits = parseLimits(body.limits, context.bounds, existing?.limits ?? DEFAULT_LIMITS);
  const version = body.version === undefined ? undefined : parseVersion(body.version);
  if (body.publish !== undefined && typeof body.publish !== 'boolean') throw malformed(Messages.fieldType('publish', body.publish, 'a boolean'));

  const finalExec = exec ?? existing!.exec;
  const mergedAnnotations = mergeAnnotations(existing?.annotations, annotations, delAnnotations, finalExec.kind, !existing);
  return {
    entityType: 'action',
    namespace: context.namespace,
    name: context.name,
    version: version ?? (existing ? bumpPatch(existing.version) : '0.0.1'),
    publish: (body.publish as boolean | undefined) ?? existing?.publish ?? false,
    exec: finalExec,
    parameters: parameters ?? existing?.parameters ?? [],
    annotations: mergedAnnotations,
    limits,
    updated: context.now,
  };
}

function parseExec(raw: unknown): ActionExec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw malformed(Messages.fieldType('exec', raw, 'an object'));
  const exec = raw as Record<string, unknown>;
  if (typeof exec.kind !== 'string') throw malformed("'kind' must be a string defined in 'exec'");
  const kind = exec.kind;
  if (!runtimeFamily(kind)) throw malformed(Messages.unsupportedRuntime(kind, SUPPORTED_KINDS));
  if (typeof exec.code !== 'string' || exec.code.trim().length === 0) throw malformed(Messages.codeUndefined(kind));
  if (exec.main !== undefined && (typeof exec.main !== 'string' || exec.main.length === 0 || exec.main.length > 256)) {
    throw malformed(Messages.fieldType('exec.main', exec.main, 'a non-empty string of at most 256 characters'));
  }
  return { kind, code: exec.code, binary: isBinaryCode(exec.code), ...(exec.main !== undefined ? { main: exec.main as string } : {}) };
}

function parseKeyValues(raw: unknown, field: 'parameters' | 'annotations'): KeyValue[] {
  if (!Array.isArray(raw)) throw malformed(Messages.fieldType(field, raw, 'an array of {key, value}'));
  const size = Buffer.byteLength(JSON.stringify(raw));
  if (size > PARAMETERS_LIMIT_BYTES) throw new PlatformError('PAYLOAD_TOO_LARGE', Messages.entityTooLarge(field, size, PARAMETERS_LIMIT_BYTES));
  return raw.map((entry, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw malformed(Messages.fieldType(`${field}[${index}]`, entry, 'an object {key, value}'));
    const { key, value, init } = entry as Record<string, unknown>;
    if (typeof key !== 'string' || key.length === 0) throw malformed(Messages.fieldType(`${field}[${index}].key`, key, 'a non-empty string'));
    if (init !== undefined && typeof init !== 'boolean') throw malformed(Messages.fieldType(`${field}[${index}].init`, init, 'a boolean'));
    return { key, value: value === undefined ? null : value, ...(init ? { init: true } : {}) };
  });
}

function parseStringArray(raw: unknown, field: string): string[] {
  if (!Array.isArray(raw) || raw.some((k) => typeof k !== 'string')) throw malformed(Messages.fieldType(field, raw, 'an array of strings'));
  return raw as string[];
}

function parseVersion(raw: unknown): string {
  if (typeof raw !== 'string' || !/^\d{1,9}\.\d{1,9}\.\d{1,9}$/.test(raw)) throw malformed(Messages.fieldType('version', raw, "a semantic version 'major.minor.patch'"));
  return raw;
}

type LimitName = keyof ActionLimits;
const LIMIT_WORDING: Record<LimitName, { what: string; unit: string }> = {
  timeout: { what: 'duration', unit: ' milliseconds' },
  memory: { what: 'memory size', unit: ' MB' },
  logs: { what: 'log size', unit: ' MB' },
  concurrency: { what: 'concurrency', unit: '' },
};

function parseLimits(raw: unknown, bounds: LimitBounds, base: ActionLimits): ActionLimits {
  if (raw === undefined || raw === null) return base;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw malformed(Messages.fieldType('limits', raw, 'an object'));
  const given = raw as Record<string, unknown>;
  const out: Record<LimitName, number> = { ...base };
  for (const name of Object.keys(LIMIT_WORDING) as LimitName[]) {
    const value = given[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw malformed(Messages.fieldType(`limits.${name}`, value, 'an integer'));
    const { what, unit } = LIMIT_WORDING[name];
    const { min, max } = bounds[name];
    if (value > max) throw badRequest(Messages.limitAbove(what, value, unit, max));
    if (value < min) throw badRequest(Messages.limitBelow(what, value, unit, min));
    out[name] = value;
  }
  return out;
}

function mergeAnnotations(old: readonly KeyValue[] | undefined, given: readonly KeyValue[] | undefined, remove: readonly string[], kind: string, creating: boolean): KeyValue[] {
  const merged = new Map<string, KeyValue>();
  for (const a of old ?? []) if (!remove.includes(a.key)) merged.set(a.key, a);
  for (const a of given ?? []) merged.set(a.key, a);
  // The controller owns `exec`; new actions do not receive the caller's API key unless they ask.
  merged.set('exec', { key: 'exec', value: kind });
  if (creating && !merged.has('provide-api-key')) merged.set('provide-api-key', { key: 'provide-api-key', value: false });
  return [...merged.values()];
}

function malformed(detail: string): PlatformError {
  return badRequest(Messages.malformedContent(detail));
}
