import { IDENTITY_RECORDS, type LimitsDoc } from '../../common/entities/identity';
import { boundsOrderProblem, isLimitField, limitValueProblem, patchLimits, type LimitField, type NamespaceLimits } from '../../common/entities/namespace-limits';
import { checkNamespace, IdentityRecordError } from './identity-record-error';
import type { NamespaceRecords } from './namespace-records';
import { updateRecord, type RecordsContext } from './record-writes';

// A namespace's own limits doc, over the system defaults. Only a namespace that exists has one.

export class LimitsRecords {
  constructor(
    private readonly context: RecordsContext,
    private readonly namespaces: NamespaceRecords,
  ) {}

  /** The stored limits, unchecked (what controllers read). */
  async stored(namespace: string): Promise<NamespaceLimits | undefined> {
    const stored = await this.context.store.get<LimitsDoc>(IDENTITY_RECORDS.limits, namespace);
    return stored?.doc.record === 'limits' ? stored.doc.limits : undefined;
  }

  /** The limits set for an existing namespace (empty when only system defaults apply). */
  async of(namespace: string): Promise<NamespaceLimits> {
    checkNamespace(namespace);
    await this.namespaces.existing(namespace);
    return (await this.stored(namespace)) ?? {};
  }

  /** Sets (value) or clears (null) limit fields of an existing namespace; answers the stored limits. */
  async set(namespace: string, patch: Readonly<Partial<Record<LimitField, unknown>>>): Promise<NamespaceLimits> {
    checkNamespace(namespace);
    for (const [field, value] of Object.entries(patch)) {
      if (!isLimitField(field)) throw new IdentityRecordError('invalid-argument', `'${field}' is not a namespace limit`);
      const problem = value === null ? undefined : limitValueProblem(field, value);
      if (problem) throw new IdentityRecordError('invalid-argument', problem);
    }
    await this.namespaces.existing(namespace);
    let result: NamespaceLimits = {};
    await updateRecord<LimitsDoc>(this.context.store, IDENTITY_RECORDS.limits, namespace, (doc) => {
      result = patchLimits(doc?.limits ?? {}, patch);
      const problem = boundsOrderProblem(result);
      if (problem) throw new IdentityRecordError('invalid-argument', problem);
      return { entityType: 'identity', record: 'limits', namespace, limits: result };
    });
    await this.context.changed({ namespaces: [namespace] });
    return result;
  }

  /** Removes every limit of a namespace: the system defaults apply again. */
  async clear(namespace: string): Promise<void> {
    checkNamespace(namespace);
    await this.namespaces.existing(namespace);
    await this.context.store.delete(IDENTITY_RECORDS.limits, namespace);
    await this.context.changed({ namespaces: [namespace] });
  }
}
