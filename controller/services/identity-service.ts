import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { keyMatches, makeIdentityDoc, splitAuth } from '../../common/entities/credentials';
import type { Identity, IdentityDoc } from '../../common/entities/identity';
import type { EntityStore } from '../../common/spi/entity-store';

// Identities live in the entity store under a namespace no user can name (the entity name
// pattern forbids '!'), keyed by the namespace's uuid. Lookups are cached briefly: a revoked
// key stops working within the TTL.

export const IDENTITY_NAMESPACE = '!identities';
const WWW_AUTHENTICATE = { 'WWW-Authenticate': 'Basic realm="OpenWhisk secure realm"' };

export interface IdentityServiceOptions {
  readonly store: EntityStore;
  readonly cacheTtlMs?: number;
  readonly now?: () => number;
}

export class IdentityService {
  private readonly cache = new Map<string, { doc: IdentityDoc | undefined; expires: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: IdentityServiceOptions) {
    this.ttlMs = options.cacheTtlMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Resolves an Authorization header to an identity, or throws 401 with OpenWhisk's messages. */
  async authenticate(header: string | undefined): Promise<Identity> {
    if (!header) throw unauthorized(Messages.authenticationRequired);
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (!match?.[1]) throw unauthorized(Messages.authenticationInvalid);
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const { uuid, key } = splitAuth(decoded);
    if (!uuid || !key || uuid.length > 128 || key.length > 128) throw unauthorized(Messages.authenticationInvalid);
    const doc = await this.lookup(uuid);
    if (!doc || doc.revoked || !keyMatches(doc, key)) throw unauthorized(Messages.authenticationInvalid);
    return { subject: doc.subject, namespace: doc.namespace, uuid: doc.uuid, authKey: `${uuid}:${key}` };
  }

  /** Makes sure `auth` (uuid:key) is a valid key for `namespace`, creating or replacing its identity. */
  async ensure(subject: string, namespace: string, auth: string): Promise<void> {
    const { uuid, key } = splitAuth(auth);
    const existing = await this.options.store.get<IdentityDoc>(IDENTITY_NAMESPACE, uuid);
    if (existing && existing.doc.namespace === namespace && existing.doc.subject === subject && !existing.doc.revoked && keyMatches(existing.doc, key)) return;
    const doc = makeIdentityDoc(subject, namespace, auth);
    const outcome = await this.options.store.put(IDENTITY_NAMESPACE, uuid, doc, existing ? existing.revision : null);
    if (!outcome.ok) throw new Error(`could not store the identity of namespace ${namespace}: ${outcome.reason}`);
    this.cache.delete(uuid);
  }

  private async lookup(uuid: string): Promise<IdentityDoc | undefined> {
    const cached = this.cache.get(uuid);
    if (cached && cached.expires > this.now()) return cached.doc;
    const stored = await this.options.store.get<IdentityDoc>(IDENTITY_NAMESPACE, uuid);
    const doc = stored?.doc.entityType === 'identity' ? stored.doc : undefined;
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(uuid, { doc, expires: this.now() + this.ttlMs });
    return doc;
  }
}

function unauthorized(message: string): PlatformError {
  return new PlatformError('UNAUTHORIZED', message, { headers: WWW_AUTHENTICATE });
}
