import { authProblem, generateAuth, keyMatches, makeIdentityDoc, splitAuth } from '../../common/entities/credentials';
import { validateNamespace } from '../../common/entities/entity-name';
import { IDENTITY_RECORDS, subjectProblem, type IdentityDoc, type LimitsDoc, type NamespaceDoc, type SubjectDoc } from '../../common/entities/identity';
import { boundsOrderProblem, isLimitField, limitValueProblem, patchLimits, type LimitField, type NamespaceLimits } from '../../common/entities/namespace-limits';
import { brandedError, brandGuard } from '../../common/protocol/branded-error';
import type { IdentityChange } from '../../common/protocol/identity-change';
import type { EntityDocument, EntityStore } from '../../common/spi/entity-store';

// Subjects, namespaces, keys and limits docs over the EntityStore: what the admin command and
// the controller's bootstrap write. Each document changes by compare-and-set on its revision,
// retried on conflict. Writes spanning documents are ordered so that a crash between them leaves
// nothing that grants access: a namespace is claimed before it is listed under its subject, a
// key's uuid is listed before the key works, and a revoked key stops working before it leaves
// the list.

export type IdentityProblem =
  | 'invalid-argument'
  | 'subject-not-found'
  | 'namespace-not-found'
  | 'namespace-exists'
  | 'namespace-taken'
  | 'uuid-taken'
  | 'key-not-found'
  | 'concurrent-modification';

export class IdentityRecordError extends brandedError('IdentityRecordError') {
  constructor(
    readonly problem: IdentityProblem,
    message: string,
  ) {
    super(message);
  }
}

export const isIdentityRecordError = brandGuard(IdentityRecordError);

export interface IdentityRecordsOptions {
  readonly store: EntityStore;
  /** Told of every change that controllers may have cached (the admin command publishes it on the signal bus). */
  readonly onChange?: (change: Omit<IdentityChange, 'v'>) => void | Promise<void>;
  readonly now?: () => number;
}

export interface NamespaceSummary {
  readonly namespace: string;
  readonly keys: readonly string[];
}

const MAX_ATTEMPTS = 10;

export class IdentityRecords {
  private readonly store: EntityStore;
  private readonly now: () => number;

  constructor(private readonly options: IdentityRecordsOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
  }

  async key(uuid: string): Promise<IdentityDoc | undefined> {
    const stored = await this.store.get<IdentityDoc>(IDENTITY_RECORDS.keys, uuid);
    return stored?.doc.entityType === 'identity' ? stored.doc : undefined;
  }

  async subject(subject: string): Promise<SubjectDoc | undefined> {
    const stored = await this.store.get<SubjectDoc>(IDENTITY_RECORDS.subjects, subject);
    return stored?.doc.record === 'subject' ? stored.doc : undefined;
  }

  async namespace(namespace: string): Promise<NamespaceDoc | undefined> {
    const stored = await this.store.get<NamespaceDoc>(IDENTITY_RECORDS.namespaces, namespace);
    return stored?.doc.record === 'namespace' ? stored.doc : undefined;
  }

  async limits(namespace: string): Promise<NamespaceLimits | undefined> {
    const stored = await this.store.get<LimitsDoc>(IDENTITY_RECORDS.limits, namespace);
    return stored?.doc.record === 'limits' ? stored.doc.limits : undefined;
  }

  /**
   * Creates `subject` with `namespace` (the subject's name when omitted) and its first key; a
   * subject that exists gains the namespace. Answers the new key's `uuid:key`.
   */
  async createUser(subject: string, namespace = subject, auth?: string): Promise<string> {
    checkSubject(subject);
    checkNamespace(namespace);
    const issued = await this.checkNewAuth(auth);
    await this.claimNamespace(subject, namespace);
    await this.listUnderSubject(subject, namespace, true);
    return this.addKey(subject, namespace, issued);
  }

  /** Adds a namespace to an existing subject, with its first key; answers the key's `uuid:key`. */
  async createNamespace(subject: string, namespace: string, auth?: string): Promise<string> {
    checkSubject(subject);
    checkNamespace(namespace);
    if (!(await this.subject(subject))) throw new IdentityRecordError('subject-not-found', `subject '${subject}' does not exist (create it with: user create ${subject})`);
    const issued = await this.checkNewAuth(auth);
    await this.claimNamespace(subject, namespace);
    await this.listUnderSubject(subject, namespace, false);
    return this.addKey(subject, namespace, issued);
  }

  /** Issues another key for an existing namespace; answers its `uuid:key`. */
  async issueKey(namespace: string, auth?: string): Promise<string> {
    checkNamespace(namespace);
    const issued = await this.checkNewAuth(auth);
    const owner = await this.namespace(namespace);
    if (!owner) throw namespaceNotFound(namespace);
    return this.addKey(owner.subject, namespace, issued);
  }

  async listKeys(namespace: string): Promise<readonly string[]> {
    checkNamespace(namespace);
    const doc = await this.namespace(namespace);
    if (!doc) throw namespaceNotFound(namespace);
    return doc.keys;
  }

  async listSubject(subject: string): Promise<NamespaceSummary[]> {
    checkSubject(subject);
    const doc = await this.subject(subject);
    if (!doc) throw new IdentityRecordError('subject-not-found', `subject '${subject}' does not exist`);
    const out: NamespaceSummary[] = [];
    for (const namespace of doc.namespaces) out.push({ namespace, keys: (await this.namespace(namespace))?.keys ?? [] });
    return out;
  }

  /** Revokes a key: it stops authenticating at once in this store, and in controllers within their cache TTL (sooner when they hear the change). */
  async revokeKey(uuid: string): Promise<{ namespace: string; subject: string }> {
    const key = await this.key(uuid);
    if (!key) throw new IdentityRecordError('key-not-found', `no key with uuid '${uuid.slice(0, 80)}' exists`);
    await this.store.delete(IDENTITY_RECORDS.keys, uuid);
    await this.update<NamespaceDoc>(IDENTITY_RECORDS.namespaces, key.namespace, (doc) => (doc ? { ...doc, keys: doc.keys.filter((k) => k !== uuid) } : undefined));
    await this.changed({ uuids: [uuid] });
    return { namespace: key.namespace, subject: key.subject };
  }

  /** The limits set for an existing namespace (empty when only system defaults apply). */
  async limitsOf(namespace: string): Promise<NamespaceLimits> {
    checkNamespace(namespace);
    if (!(await this.namespace(namespace))) throw namespaceNotFound(namespace);
    return (await this.limits(namespace)) ?? {};
  }

  /** Sets (value) or clears (null) limit fields of an existing namespace; answers the stored limits. */
  async setLimits(namespace: string, patch: Readonly<Partial<Record<LimitField, unknown>>>): Promise<NamespaceLimits> {
    checkNamespace(namespace);
    for (const [field, value] of Object.entries(patch)) {
      if (!isLimitField(field)) throw new IdentityRecordError('invalid-argument', `'${field}' is not a namespace limit`);
      const problem = value === null ? undefined : limitValueProblem(field, value);
      if (problem) throw new IdentityRecordError('invalid-argument', problem);
    }
    if (!(await this.namespace(namespace))) throw namespaceNotFound(namespace);
    let result: NamespaceLimits = {};
    await this.update<LimitsDoc>(IDENTITY_RECORDS.limits, namespace, (doc) => {
      result = patchLimits(doc?.limits ?? {}, patch);
      const problem = boundsOrderProblem(result);
      if (problem) throw new IdentityRecordError('invalid-argument', problem);
      return { entityType: 'identity', record: 'limits', namespace, limits: result };
    });
    await this.changed({ namespaces: [namespace] });
    return result;
  }

  /** Removes every limit of a namespace: the system defaults apply again. */
  async clearLimits(namespace: string): Promise<void> {
    checkNamespace(namespace);
    if (!(await this.namespace(namespace))) throw namespaceNotFound(namespace);
    await this.store.delete(IDENTITY_RECORDS.limits, namespace);
    await this.changed({ namespaces: [namespace] });
  }

  /**
   * Makes `auth` a working key of `namespace`, owned by `subject`, creating what is missing
   * (idempotent; the controller bootstraps guest and whisk.system with it).
   */
  async ensure(subject: string, namespace: string, auth: string): Promise<void> {
    // Controllers starting together on a fresh store race to create the same records: a loser
    // finds the winner's work on its next pass.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ensureOnce(subject, namespace, auth);
      } catch (err) {
        const raced = isIdentityRecordError(err) && (err.problem === 'namespace-exists' || err.problem === 'concurrent-modification');
        if (!raced || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }

  private async ensureOnce(subject: string, namespace: string, auth: string): Promise<void> {
    const { uuid, key } = splitAuth(auth);
    const owner = await this.namespace(namespace);
    if (owner && owner.subject !== subject) throw new IdentityRecordError('namespace-taken', `namespace '${namespace}' belongs to subject '${owner.subject}', not '${subject}'`);
    if (!owner) await this.claimNamespace(subject, namespace);
    const listed = await this.subject(subject);
    if (!listed?.namespaces.includes(namespace)) await this.listUnderSubject(subject, namespace, true);
    const existing = await this.key(uuid);
    if (existing && existing.namespace === namespace && existing.subject === subject && !existing.revoked && keyMatches(existing, key) && owner?.keys.includes(uuid)) return;
    await this.update<NamespaceDoc>(IDENTITY_RECORDS.namespaces, namespace, (doc) => (doc && !doc.keys.includes(uuid) ? { ...doc, keys: [...doc.keys, uuid] } : doc));
    const stored = await this.store.get<IdentityDoc>(IDENTITY_RECORDS.keys, uuid);
    const outcome = await this.store.put(IDENTITY_RECORDS.keys, uuid, makeIdentityDoc(subject, namespace, auth, this.now()), stored ? stored.revision : null);
    if (!outcome.ok) throw new IdentityRecordError('concurrent-modification', `could not store the key of namespace ${namespace}: ${outcome.reason}`);
    await this.changed({ uuids: [uuid] });
  }

  private async checkNewAuth(auth: string | undefined): Promise<string> {
    if (auth === undefined) return generateAuth();
    const problem = authProblem(auth);
    if (problem) throw new IdentityRecordError('invalid-argument', `--auth: ${problem}`);
    if (await this.key(splitAuth(auth).uuid)) throw new IdentityRecordError('uuid-taken', `a key with uuid '${splitAuth(auth).uuid}' already exists`);
    return auth;
  }

  private async claimNamespace(subject: string, namespace: string): Promise<void> {
    const doc: NamespaceDoc = { entityType: 'identity', record: 'namespace', namespace, subject, keys: [] };
    const outcome = await this.store.put(IDENTITY_RECORDS.namespaces, namespace, doc, null);
    if (outcome.ok) return;
    const owner = await this.namespace(namespace);
    if (owner && owner.subject !== subject) throw new IdentityRecordError('namespace-taken', `namespace '${namespace}' already exists and belongs to another subject`);
    throw new IdentityRecordError('namespace-exists', `namespace '${namespace}' already exists for subject '${subject}' (issue another key with: key issue ${namespace})`);
  }

  private async listUnderSubject(subject: string, namespace: string, createSubject: boolean): Promise<void> {
    await this.update<SubjectDoc>(IDENTITY_RECORDS.subjects, subject, (doc) => {
      if (!doc && !createSubject) throw new IdentityRecordError('subject-not-found', `subject '${subject}' does not exist`);
      const namespaces = doc?.namespaces ?? [];
      return { entityType: 'identity', record: 'subject', subject, namespaces: namespaces.includes(namespace) ? namespaces : [...namespaces, namespace] };
    });
    await this.changed({ subjects: [subject] });
  }

  private async addKey(subject: string, namespace: string, auth: string): Promise<string> {
    const { uuid } = splitAuth(auth);
    await this.update<NamespaceDoc>(IDENTITY_RECORDS.namespaces, namespace, (doc) => {
      if (!doc) throw namespaceNotFound(namespace);
      return doc.keys.includes(uuid) ? doc : { ...doc, keys: [...doc.keys, uuid] };
    });
    const outcome = await this.store.put(IDENTITY_RECORDS.keys, uuid, makeIdentityDoc(subject, namespace, auth, this.now()), null);
    if (!outcome.ok) throw new IdentityRecordError('uuid-taken', `a key with uuid '${uuid}' already exists`);
    return auth;
  }

  /** Read-modify-write of one document by revision, retried when another writer got there first. */
  private async update<T extends EntityDocument>(namespace: string, key: string, change: (doc: T | undefined) => T | undefined): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const stored = await this.store.get<T>(namespace, key);
      const next = change(stored?.doc);
      if (next === undefined || next === stored?.doc) return;
      const outcome = await this.store.put(namespace, key, next, stored ? stored.revision : null);
      if (outcome.ok) return;
      if (outcome.reason === 'wrong-type') break;
    }
    throw new IdentityRecordError('concurrent-modification', `${namespace}/${key} kept changing under concurrent writers; try again`);
  }

  private async changed(change: Omit<IdentityChange, 'v'>): Promise<void> {
    await this.options.onChange?.(change);
  }
}

function checkSubject(subject: string): void {
  const problem = subjectProblem(subject);
  if (problem) throw new IdentityRecordError('invalid-argument', problem);
}

function checkNamespace(namespace: string): void {
  try {
    validateNamespace(namespace);
  } catch {
    throw new IdentityRecordError('invalid-argument', `namespace '${namespace.slice(0, 80)}' is not valid: use letters, digits and '_', with '@', '.', '&', '-' or space inside, at most 256 characters`);
  }
}

function namespaceNotFound(namespace: string): IdentityRecordError {
  return new IdentityRecordError('namespace-not-found', `namespace '${namespace}' does not exist`);
}
