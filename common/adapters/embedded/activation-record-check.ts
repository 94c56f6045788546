import type { ActivationRecord } from '../../entities/activation';

// Both activation stores index records by namespace, name and start; a record without them
// would break a Redis script halfway or an embedded replay, so it is refused before any write.

/** Returns the record when it has the indexed fields; throws naming the first one missing. */
export function checkRecord(value: unknown): ActivationRecord {
  return checkStoredRecord(value) as ActivationRecord;
}

/** As checkRecord, for a record whose logs may be stored apart. */
export function checkStoredRecord(value: unknown): Omit<ActivationRecord, 'logs'> & { readonly logs?: readonly string[] } {
  const record = value as Partial<Record<string, unknown>>;
  if (typeof record !== 'object' || record === null) throw new Error('activation record is not an object');
  for (const field of ['namespace', 'name', 'activationId'] as const) {
    if (typeof record[field] !== 'string' || record[field] === '') throw new Error(`activation record needs a non-empty string '${field}'`);
  }
  if (typeof record.start !== 'number' || !Number.isFinite(record.start)) throw new Error("activation record needs a finite number 'start'");
  return value as ActivationRecord;
}
