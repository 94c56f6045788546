import { authProblem, generateAuth, keyMatches, makeIdentityDoc, splitAuth } from '../../common/entities/credentials';
import { IDENTITY_RECORDS, type IdentityDoc, type NamespaceDoc } from '../../common/entities/identity';
import { checkNamespace, IdentityRecordError, namespaceNotFound } from './identity-record-error';
import type { NamespaceRecords } from './namespace-records';
import { updateRecord, type RecordsContext } from './record-writes';

// Keys (stored as a salted hash under their uuid) and each namespace's list of them. A key's uuid
// is listed before the key works, and a revoked key stops working before it leaves the list, so
// a crash between the two never leaves a working key that no listing shows. A revoked key stays
// behind as a tombstone (`revoked: true`), so its uuid is never issued again and no bootstrap at
// a later start can make it valid again.

export class KeyRecords {
  constructor(
    private readonly context: RecordsContext,
    private readonly namespaces: NamespaceRecords,
  ) {}

  async key(uuid: string): Promise<IdentityDoc | undefined> {
    const stored = await this.context.store.get<IdentityDoc>(IDENTITY_RECORDS.keys, uuid);
    return stored?.doc.entityType === 'identity' ? stored.doc : undefined;
  }

  /** Issues another key for an existing namespace; answers its `uuid:key`. */
  async issue(namespace: string, auth?: string): Promise<string> {
    checkNamespace(namespace);
    const issued = await this.checkNew(auth);
    const owner = await this.namespaces.existing(namespace);
    return this.add(owner.subject, namespace, issued);
  }

  async list(namespace: string): Promise<readonly string[]> {
    checkNamespace(namespace);
    return (await this.namespaces.existing(namespace)).keys;
  }

  /** Revokes a key: it stops authenticating at once in this store, and in controllers within their cache TTL (sooner when they hear the change). */
  async revoke(uuid: string): Promise<{ namespace: string; subject: string }> {
    const stored = await this.context.store.get<IdentityDoc>(IDENTITY_RECORDS.keys, uuid);
    const key = stored?.doc.entityType === 'identity' && !stored.doc.revoked ? stored.doc : undefined;
    if (!stored || !key) throw new IdentityRecordError('key-not-found', `no key with uuid '${uuid.slice(0, 80)}' exists`);
    const outcome = await this.context.store.put<IdentityDoc>(IDENTITY_RECORDS.keys, uuid, { ...key, revoked: true }, stored.revision);
    if (!outcome.ok) throw new IdentityRecordError('concurrent-modification', `could not revoke key ${uuid}: ${outcome.reason}`);
    await updateRecord<NamespaceDoc>(this.context.store, IDENTITY_RECORDS.namespaces, key.namespace, (doc) => (doc ? { ...doc, keys: doc.keys.filter((k) => k !== uuid) } : undefined));
    await this.context.changed({ uuids: [uuid] });
    return { namespace: key.namespace, subject: key.subject };
  }

  /** A well-formed `uuid:key` whose uuid is free, generated when `auth` is not given. */
  async checkNew(auth: string | undefined): Promise<string> {
    if (auth === undefined) return generateAuth();
    const problem = authProblem(auth);
    if (problem) throw new IdentityRecordError('invalid-argument', `--auth: ${problem}`);
    if (await this.key(splitAuth(auth).uuid)) throw new IdentityRecordError('uuid-taken', `a key with uuid '${splitAuth(auth).uuid}' already exists`);
    return auth;
  }

  /** Lists and stores a new key of `namespace`; answers its `uuid:key`. */
  async add(subject: string, namespace: string, auth: string): Promise<string> {
    const { uuid } = splitAuth(auth);
    await updateRecord<NamespaceDoc>(this.context.store, IDENTITY_RECORDS.namespaces, namespace, (doc) => {
      if (!doc) throw namespaceNotFound(namespace);
      return doc.keys.includes(uuid) ? doc : { ...doc, keys: [...doc.keys, uuid] };
    });
    const outcome = await this.context.store.put(IDENTITY_RECORDS.keys, uuid, makeIdentityDoc(subject, namespace, auth, this.context.now()), null);
    if (!outcome.ok) throw new IdentityRecordError('uuid-taken', `a key with uuid '${uuid}' already exists`);
    return auth;
  }

  /**
   * Makes `auth` a working key of `namespace` (whose list held `listed`), replacing a stored key of
   * that uuid that differs; answers 'revoked', and changes nothing, when that uuid was revoked.
   */
  async ensure(subject: string, namespace: string, auth: string, listed: readonly string[]): Promise<'ensured' | 'revoked'> {
    const { uuid, key } = splitAuth(auth);
    const existing = await this.key(uuid);
    if (existing?.revoked) return 'revoked';
    if (existing && existing.namespace === namespace && existing.subject === subject && keyMatches(existing, key) && listed.includes(uuid)) return 'ensured';
    await updateRecord<NamespaceDoc>(this.context.store, IDENTITY_RECORDS.namespaces, namespace, (doc) => (doc && !doc.keys.includes(uuid) ? { ...doc, keys: [...doc.keys, uuid] } : doc));
    const stored = await this.context.store.get<IdentityDoc>(IDENTITY_RECORDS.keys, uuid);
    const outcome = await this.context.store.put(IDENTITY_RECORDS.keys, uuid, makeIdentityDoc(subject, namespace, auth, this.context.now()), stored ? stored.revision : null);
    if (!outcome.ok) throw new IdentityRecordError('concurrent-modification', `could not store the key of namespace ${namespace}: ${outcome.reason}`);
    await this.context.changed({ uuids: [uuid] });
    return 'ensured';
  }
}
