import type { IdentityDoc, NamespaceDoc, SubjectDoc } from '../../common/entities/identity';
import type { LimitField, NamespaceLimits } from '../../common/entities/namespace-limits';
import type { IdentityChange } from '../../common/protocol/identity-change';
import type { EntityStore } from '../../common/spi/entity-store';
import { retry } from '../../common/retry/retry';
import { checkNamespace, checkSubject, IdentityRecordError, isIdentityRecordError } from './identity-record-error';
import { KeyRecords } from './key-records';
import { LimitsRecords } from './limits-records';
import { NamespaceRecords, type NamespaceSummary } from './namespace-records';
import { MAX_ATTEMPTS, type RecordsContext } from './record-writes';

// Subjects, namespaces, keys and limits docs over the EntityStore: what the admin command and
// the controller's bootstrap write. Each document changes by compare-and-set on its revision,
// retried on conflict; the writes that span documents (a new user, a new namespace, a bootstrap)
// are ordered here so that a crash between them leaves nothing that grants access.

export interface IdentityRecordsOptions {
  readonly store: EntityStore;
  /** Told of every change that controllers may have cached (the admin command publishes it on the signal bus). */
  readonly onChange?: (change: Omit<IdentityChange, 'v'>) => void | Promise<void>;
  readonly now?: () => number;
}

export class IdentityRecords {
  private readonly namespaces: NamespaceRecords;
  private readonly keys: KeyRecords;
  private readonly limitDocs: LimitsRecords;

  constructor(options: IdentityRecordsOptions) {
    const context: RecordsContext = {
      store: options.store,
      now: options.now ?? Date.now,
      changed: async (change) => {
        await options.onChange?.(change);
      },
    };
    this.namespaces = new NamespaceRecords(context);
    this.keys = new KeyRecords(context, this.namespaces);
    this.limitDocs = new LimitsRecords(context, this.namespaces);
  }

  key(uuid: string): Promise<IdentityDoc | undefined> {
    return this.keys.key(uuid);
  }

  subject(subject: string): Promise<SubjectDoc | undefined> {
    return this.namespaces.subject(subject);
  }

  namespace(namespace: string): Promise<NamespaceDoc | undefined> {
    return this.namespaces.namespace(namespace);
  }

  limits(namespace: string): Promise<NamespaceLimits | undefined> {
    return this.limitDocs.stored(namespace);
  }

  /**
   * Creates `subject` with `namespace` (the subject's name when omitted) and its first key; a
   * subject that exists gains the namespace. Answers the new key's `uuid:key`.
   */
  async createUser(subject: string, namespace = subject, auth?: string): Promise<string> {
    checkSubject(subject);
    checkNamespace(namespace);
    const issued = await this.keys.checkNew(auth);
    await this.namespaces.claim(subject, namespace);
    await this.namespaces.listUnderSubject(subject, namespace, true);
    return this.keys.add(subject, namespace, issued);
  }

  /** Adds a namespace to an existing subject, with its first key; answers the key's `uuid:key`. */
  async createNamespace(subject: string, namespace: string, auth?: string): Promise<string> {
    checkSubject(subject);
    checkNamespace(namespace);
    if (!(await this.namespaces.subject(subject))) throw new IdentityRecordError('subject-not-found', `subject '${subject}' does not exist (create it with: user create ${subject})`);
    const issued = await this.keys.checkNew(auth);
    await this.namespaces.claim(subject, namespace);
    await this.namespaces.listUnderSubject(subject, namespace, false);
    return this.keys.add(subject, namespace, issued);
  }

  /** Issues another key for an existing namespace; answers its `uuid:key`. */
  issueKey(namespace: string, auth?: string): Promise<string> {
    return this.keys.issue(namespace, auth);
  }

  listKeys(namespace: string): Promise<readonly string[]> {
    return this.keys.list(namespace);
  }

  listSubject(subject: string): Promise<NamespaceSummary[]> {
    return this.namespaces.listSubject(subject);
  }

  /** Revokes a key: it stops authenticating at once in this store, and in controllers within their cache TTL (sooner when they hear the change). */
  revokeKey(uuid: string): Promise<{ namespace: string; subject: string }> {
    return this.keys.revoke(uuid);
  }

  /** The limits set for an existing namespace (empty when only system defaults apply). */
  limitsOf(namespace: string): Promise<NamespaceLimits> {
    return this.limitDocs.of(namespace);
  }

  /** Sets (value) or clears (null) limit fields of an existing namespace; answers the stored limits. */
  setLimits(namespace: string, patch: Readonly<Partial<Record<LimitField, unknown>>>): Promise<NamespaceLimits> {
    return this.limitDocs.set(namespace, patch);
  }

  /** Removes every limit of a namespace: the system defaults apply again. */
  clearLimits(namespace: string): Promise<void> {
    return this.limitDocs.clear(namespace);
  }

  /**
   * Makes `auth` a working key of `namespace`, owned by `subject`, creating what is missing
   * (idempotent; the controller bootstraps guest and whisk.system with it). Answers 'revoked',
   * changing nothing, when that key was revoked: a restart never makes it valid again.
   */
  async ensure(subject: string, namespace: string, auth: string): Promise<'ensured' | 'revoked'> {
    // Controllers starting together on a fresh store race to create the same records: a loser
    // finds the winner's work on its next pass.
    return retry(() => this.ensureOnce(subject, namespace, auth), {
      attempts: MAX_ATTEMPTS,
      retryIf: (err) => isIdentityRecordError(err) && (err.problem === 'namespace-exists' || err.problem === 'concurrent-modification'),
    });
  }

  private async ensureOnce(subject: string, namespace: string, auth: string): Promise<'ensured' | 'revoked'> {
    const owner = await this.namespaces.namespace(namespace);
    if (owner && owner.subject !== subject) throw new IdentityRecordError('namespace-taken', `namespace '${namespace}' belongs to subject '${owner.subject}', not '${subject}'`);
    if (!owner) await this.namespaces.claim(subject, namespace);
    const owned = await this.namespaces.subject(subject);
    if (!owned?.namespaces.includes(namespace)) await this.namespaces.listUnderSubject(subject, namespace, true);
    return this.keys.ensure(subject, namespace, auth, owner?.keys ?? []);
  }
}
