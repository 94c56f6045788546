import { Messages } from '../../common/errors/messages';
import type { ErrorCode } from '../../common/errors/error-catalogue';
import { PlatformError } from '../../common/errors/platform-error';
import { bumpPatch } from '../../common/entities/action';
import type { KeyValue } from '../../common/entities/parameters';

// Parsers for the fields every entity PUT body shares (actions, packages, triggers, rules). Known fields of the wrong type are 400 naming the field, the
// value and the rule; parameters and annotations over 1 MB are 413 as OpenWhisk answers.

export const KEY_VALUES_LIMIT_BYTES = 1024 * 1024;

/** A body field the entity cannot have: 400 with OpenWhisk's malformed-content sentence around `detail`. */
export function malformed(code: ErrorCode, detail: string): PlatformError {
  return new PlatformError(code, Messages.malformedContent(detail));
}

export function parseKeyValues(raw: unknown, field: 'parameters' | 'annotations'): KeyValue[] {
  if (!Array.isArray(raw)) throw malformed('field-invalid', Messages.fieldType(field, raw, 'an array of {key, value}'));
  const size = Buffer.byteLength(JSON.stringify(raw));
  if (size > KEY_VALUES_LIMIT_BYTES) throw new PlatformError('field-too-large', Messages.entityTooLarge(field, size, KEY_VALUES_LIMIT_BYTES));
  return raw.map((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw malformed('field-invalid', Messages.fieldType(`${field}[${index}]`, entry, 'an object {key, value}'));
    const { key, value, init } = entry as Record<string, unknown>;
    if (typeof key !== 'string' || key.length === 0) throw malformed('field-invalid', Messages.fieldType(`${field}[${index}].key`, key, 'a non-empty string'));
    if (init !== undefined && typeof init !== 'boolean') throw malformed('field-invalid', Messages.fieldType(`${field}[${index}].init`, init, 'a boolean'));
    return { key, value: value === undefined ? null : value, ...(init ? { init: true } : {}) };
  });
}

export function parseVersion(raw: unknown): string {
  if (typeof raw !== 'string' || !/^\d{1,9}\.\d{1,9}\.\d{1,9}$/.test(raw)) throw malformed('field-invalid', Messages.fieldType('version', raw, "a semantic version 'major.minor.patch'"));
  return raw;
}

/** A version the PUT gave wins; otherwise an update bumps the patch level and a new entity starts at 0.0.1. */
export function nextVersion(given: string | undefined, existing: { readonly version: string } | undefined): string {
  return given ?? (existing ? bumpPatch(existing.version) : '0.0.1');
}

export function parsePublish(raw: unknown): boolean {
  if (typeof raw !== 'boolean') throw malformed('field-invalid', Messages.fieldType('publish', raw, 'a boolean'));
  return raw;
}

/** `undefined` and `null` both mean "not given", as OpenWhisk's Option fields read them. */
export function given(value: unknown): boolean {
  return value !== undefined && value !== null;
}
