import { IDENTITY_RECORDS, type NamespaceDoc, type SubjectDoc } from '../../common/entities/identity';
import { checkSubject, IdentityRecordError, namespaceNotFound } from './identity-record-error';
import { updateRecord, type RecordsContext } from './record-writes';

// Subjects and the namespaces they own. A namespace is claimed (created for one subject, once)
// before it is listed under its subject, so a crash between the two never lists a namespace
// that another subject could claim.

export interface NamespaceSummary {
  readonly namespace: string;
  readonly keys: readonly string[];
}

export class NamespaceRecords {
  constructor(private readonly context: RecordsContext) {}

  async subject(subject: string): Promise<SubjectDoc | undefined> {
    const stored = await this.context.store.get<SubjectDoc>(IDENTITY_RECORDS.subjects, subject);
    return stored?.doc.record === 'subject' ? stored.doc : undefined;
  }

  async namespace(namespace: string): Promise<NamespaceDoc | undefined> {
    const stored = await this.context.store.get<NamespaceDoc>(IDENTITY_RECORDS.namespaces, namespace);
    return stored?.doc.record === 'namespace' ? stored.doc : undefined;
  }

  /** The namespace's record; `namespace-not-found` when there is none. */
  async existing(namespace: string): Promise<NamespaceDoc> {
    const doc = await this.namespace(namespace);
    if (!doc) throw namespaceNotFound(namespace);
    return doc;
  }

  async listSubject(subject: string): Promise<NamespaceSummary[]> {
    checkSubject(subject);
    const doc = await this.subject(subject);
    if (!doc) throw new IdentityRecordError('subject-not-found', `subject '${subject}' does not exist`);
    const out: NamespaceSummary[] = [];
    for (const namespace of doc.namespaces) out.push({ namespace, keys: (await this.namespace(namespace))?.keys ?? [] });
    return out;
  }

  async claim(subject: string, namespace: string): Promise<void> {
    const doc: NamespaceDoc = { entityType: 'identity', record: 'namespace', namespace, subject, keys: [] };
    const outcome = await this.context.store.put(IDENTITY_RECORDS.namespaces, namespace, doc, null);
    if (outcome.ok) return;
    const owner = await this.namespace(namespace);
    if (owner && owner.subject !== subject) throw new IdentityRecordError('namespace-taken', `namespace '${namespace}' already exists and belongs to another subject`);
    throw new IdentityRecordError('namespace-exists', `namespace '${namespace}' already exists for subject '${subject}' (issue another key with: key issue ${namespace})`);
  }

  /** Lists a claimed namespace under its subject, creating the subject when `createSubject`. */
  async listUnderSubject(subject: string, namespace: string, createSubject: boolean): Promise<void> {
    await updateRecord<SubjectDoc>(this.context.store, IDENTITY_RECORDS.subjects, subject, (doc) => {
      if (!doc && !createSubject) throw new IdentityRecordError('subject-not-found', `subject '${subject}' does not exist`);
      const namespaces = doc?.namespaces ?? [];
      return { entityType: 'identity', record: 'subject', subject, namespaces: namespaces.includes(namespace) ? namespaces : [...namespaces, namespace] };
    });
    await this.context.changed({ subjects: [subject] });
  }
}
