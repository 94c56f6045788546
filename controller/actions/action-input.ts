import { examinedCodeOf } from '../http/examined-code';
import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import {
  BLACKBOX_KIND,
  SEQUENCE_KIND,
  SUPPORTED_KINDS,
  isBinaryCode,
  isRuntimeKind,
  isSequenceExec,
  resolveDefaultKind,
  runtimeFamily,
  type ActionDoc,
  type ActionExec,
} from '../../common/entities/action';
import { isArchiveError } from '../../common/archive/archive-error';
import { checkZip, isZip } from '../../common/archive/zip-check';
import { isImageReference } from '../../common/entities/image-reference';
import { DEFAULT_LIMITS, type ActionLimits, type LimitBounds } from '../../common/entities/limits';
import { MAX_GPU_KEEP_WARM, type GpuBounds, type GpuLimit } from '../../common/entities/gpu';
import type { KeyValue } from '../../common/entities/parameters';
import { malformed, nextVersion, parseKeyValues, parsePublish, parseVersion } from '../entities/entity-fields-input';
import { parseComponents } from '../sequences/sequence-components';

// Turns an untrusted PUT body into a stored action, applying OpenWhisk's create and update
// rules (ENTITY/WhiskAction.scala, CTL/Actions.scala). Known fields of the wrong type are 400;
// unknown fields are ignored because clients send extra ones (`namespace`, `name`).

export interface ActionInputContext {
  readonly namespace: string; // `ns` or `ns/pkg`
  readonly name: string;
  readonly bounds: LimitBounds;
  readonly now: number;
}

export function buildAction(body: Record<string, unknown>, context: ActionInputContext, existing?: ActionDoc): ActionDoc {
  const exec = body.exec === undefined ? undefined : parseExec(body.exec, context.namespace.split('/')[0]!);
  if (!existing && !exec) throw malformed('exec-missing', Messages.execUndefined);
  const parameters = body.parameters === undefined ? undefined : parseKeyValues(body.parameters, 'parameters');
  const annotations = body.annotations === undefined ? undefined : parseKeyValues(body.annotations, 'annotations');
  const delAnnotations = body.delAnnotations === undefined ? [] : parseStringArray(body.delAnnotations, 'delAnnotations');
  const limits = parseLimits(body.limits, context.bounds, existing?.limits ?? DEFAULT_LIMITS);
  const version = body.version === undefined ? undefined : parseVersion(body.version);
  const publish = body.publish === undefined ? undefined : parsePublish(body.publish);

  const finalExec = exec ?? existing!.exec;
  // Only the nodejs runtime overlaps runs in one container (and tags their logs).
  if (limits.concurrency > 1 && !isSequenceExec(finalExec) && runtimeFamily(finalExec.kind) !== 'nodejs') {
    throw new PlatformError('concurrency-unsupported', Messages.concurrencyUnsupported(finalExec.kind, limits.concurrency));
  }
  // A sequence's parameters name its components (OpenWhisk's legacy `_actions`); switching
  // between a sequence and anything else starts parameters afresh.
  const kindSwitched = existing !== undefined && isSequenceExec(existing.exec) !== isSequenceExec(finalExec);
  const finalParameters = isSequenceExec(finalExec)
    ? [{ key: '_actions', value: [...finalExec.components] }]
    : (parameters ?? (kindSwitched ? [] : (existing?.parameters ?? [])));
  const mergedAnnotations = mergeAnnotations(existing?.annotations, annotations, delAnnotations, finalExec.kind, !existing);
  return {
    entityType: 'action',
    namespace: context.namespace,
    name: context.name,
    version: nextVersion(version, existing),
    publish: publish ?? existing?.publish ?? false,
    exec: finalExec,
    parameters: finalParameters,
    annotations: mergedAnnotations,
    limits,
    updated: context.now,
  };
}

function parseExec(raw: unknown, callerNamespace: string): ActionExec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw malformed('field-invalid', Messages.fieldType('exec', raw, 'an object'));
  const exec = raw as Record<string, unknown>;
  if (typeof exec.kind !== 'string') throw malformed('field-invalid', "'kind' must be a string defined in 'exec'");
  const kind = exec.kind;
  if (kind === SEQUENCE_KIND) return { kind, components: parseComponents(exec.components, callerNamespace) };
  if (kind === BLACKBOX_KIND) {
    if (typeof exec.image !== 'string') throw malformed('image-invalid', Messages.blackboxImageUndefined);
    if (!isImageReference(exec.image)) throw malformed('image-invalid', Messages.imageInvalid(exec.image));
    // Code is optional for a blackbox: the image may carry its own action.
    const parsed = exec.code === undefined || exec.code === null || exec.code === '' ? undefined : parseCode(exec.code, kind, exec);
    return { kind, image: exec.image, binary: parsed?.binary ?? false, ...(parsed !== undefined ? { code: parsed.code } : {}), ...parseMain(exec.main) };
  }
  if (!isRuntimeKind(kind)) throw malformed('kind-unsupported', Messages.unsupportedRuntime(kind, SUPPORTED_KINDS));
  const { code, binary } = parseCode(exec.code, kind, exec);
  return { kind: resolveDefaultKind(kind), code, binary, ...parseMain(exec.main) };
}

/** The code, and whether it is a base64 archive (checked before it is stored); a large upload's answers come from the parse worker. */
function parseCode(raw: unknown, kind: string, exec: object): { code: string; binary: boolean } {
  if (typeof raw !== 'string' || raw.trim().length === 0) throw malformed('action-code-missing', Messages.codeUndefined(kind));
  const examined = examinedCodeOf(exec);
  const binary = examined ? examined.binary : isBinaryCode(raw);
  if (binary) checkArchive(examined?.bytes ?? Buffer.from(raw, 'base64'));
  return { code: raw, binary };
}

/**
 * A zip is refused here, before it is stored, by what the runtime proxy would refuse at /init:
 * the check reads the central directory only, so a bomb costs microseconds, not an inflation.
 */
function checkArchive(data: Buffer): void {
  if (!isZip(data)) return;
  try {
    checkZip(data);
  } catch (error) {
    if (isArchiveError(error)) throw malformed('action-archive-invalid', Messages.archiveInvalid(error.message));
    throw error;
  }
}

function parseMain(raw: unknown): { main?: string } {
  if (raw === undefined) return {};
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 256) {
    throw malformed('field-invalid', Messages.fieldType('exec.main', raw, 'a non-empty string of at most 256 characters'));
  }
  return { main: raw };
}

function parseStringArray(raw: unknown, field: string): string[] {
  if (!Array.isArray(raw) || raw.some((k) => typeof k !== 'string')) throw malformed('field-invalid', Messages.fieldType(field, raw, 'an array of strings'));
  return raw as string[];
}

type NumericLimit = Exclude<keyof ActionLimits, 'gpu'>;
const LIMIT_WORDING: Record<NumericLimit, { what: string; unit: string }> = {
  timeout: { what: 'duration', unit: ' milliseconds' },
  memory: { what: 'memory size', unit: ' MB' },
  logs: { what: 'log size', unit: ' MB' },
  concurrency: { what: 'concurrency', unit: '' },
};

function parseLimits(raw: unknown, bounds: LimitBounds, base: ActionLimits): ActionLimits {
  if (raw === undefined || raw === null) return base;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw malformed('field-invalid', Messages.fieldType('limits', raw, 'an object'));
  const given = raw as Record<string, unknown>;
  const { gpu: baseGpu, ...baseNumbers } = base;
  const out: Record<NumericLimit, number> = { ...baseNumbers };
  for (const name of Object.keys(LIMIT_WORDING) as NumericLimit[]) {
    const value = given[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw malformed('field-invalid', Messages.fieldType(`limits.${name}`, value, 'an integer'));
    const { what, unit } = LIMIT_WORDING[name];
    const { min, max } = bounds[name];
    if (value > max) throw new PlatformError('limit-out-of-range', Messages.limitAbove(what, value, unit, max));
    if (value < min) throw new PlatformError('limit-out-of-range', Messages.limitBelow(what, value, unit, min));
    out[name] = value;
  }
  // `gpu: null` takes a GPU away on update; absent keeps what the action had.
  const gpu = given.gpu === undefined ? baseGpu : given.gpu === null ? undefined : parseGpuLimit(given.gpu, bounds.gpu);
  return gpu ? { ...out, gpu } : out;
}

/** `limits.gpu`: whole MB per device and a device count, within the system maxima; count defaults to 1. */
function parseGpuLimit(raw: unknown, bounds: GpuBounds): GpuLimit {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw malformed('field-invalid', Messages.fieldType('limits.gpu', raw, 'an object {memory, count}'));
  const given = raw as Record<string, unknown>;
  const whole = (field: 'memory' | 'count' | 'keepWarm', fallback: number | undefined, max: number, unit: string, min = 1): number => {
    const value = given[field] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw malformed('field-invalid', Messages.fieldType(`limits.gpu.${field}`, value, 'an integer'));
    if (value < min) throw new PlatformError('limit-out-of-range', min === 1 ? Messages.gpuLimitBelowOne(`limits.gpu.${field}`, value) : Messages.limitBelow(`limits.gpu.${field}`, value, unit, min));
    if (value > max) throw new PlatformError('limit-out-of-range', Messages.gpuLimitAbove(`limits.gpu.${field}`, value, unit, max));
    return value;
  };
  const keepWarm = given.keepWarm === undefined ? 0 : whole('keepWarm', 0, MAX_GPU_KEEP_WARM, '', 0);
  return { memory: whole('memory', undefined, bounds.maxMemory, ' MB'), count: whole('count', 1, bounds.maxCount, ''), ...(keepWarm > 0 ? { keepWarm } : {}) };
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
