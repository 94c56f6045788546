import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { keyMatches, splitAuth } from '../../common/entities/credentials';
import { IDENTITY_RECORDS, type Identity, type IdentityDoc } from '../../common/entities/identity';
import type { IdentityChange } from '../../common/protocol/identity-change';
import type { EntityStore } from '../../common/spi/entity-store';
import type { LRUCache } from 'lru-cache';
import { IdentityRecords } from './identity-records';
import { lookupCache } from './lookup-cache';

// Authentication and the caller's namespaces. Lookups are cached briefly, so a revoked key stops
// working within the TTL; a change heard on the signal bus (identity-change-listener.ts) drops
// the entry at once.

/** Where keys live in the entity store (a namespace no user can name). */
export const IDENTITY_NAMESPACE = IDENTITY_RECORDS.keys;
export const DEFAULT_IDENTITY_CACHE_TTL_MS = 5_000;
const WWW_AUTHENTICATE = { 'WWW-Authenticate': 'Basic realm="OpenWhisk secure realm"' };

/** lru-cache holds no `undefined`: an unknown uuid is cached too, so guessed keys do not reach the store each time. */
interface KeyLookup {
  readonly doc: IdentityDoc | undefined;
}

interface OwnerLookup {
  readonly owner: Identity | undefined;
}

export interface IdentityServiceOptions {
  readonly store: EntityStore;
  readonly cacheTtlMs?: number;
  readonly now?: () => number;
}

export class IdentityService {
  readonly records: IdentityRecords;
  private readonly keys: LRUCache<string, KeyLookup> | undefined;
  private readonly subjects: LRUCache<string, readonly string[]> | undefined;
  private readonly owners: LRUCache<string, OwnerLookup> | undefined;

  constructor(options: IdentityServiceOptions) {
    const ttlMs = options.cacheTtlMs ?? DEFAULT_IDENTITY_CACHE_TTL_MS;
    this.records = new IdentityRecords({ store: options.store, ...(options.now ? { now: options.now } : {}) });
    this.keys = lookupCache(ttlMs, (uuid) => this.loadKey(uuid), options.now);
    this.subjects = lookupCache(ttlMs, (subject) => this.loadSubject(subject), options.now);
    this.owners = lookupCache(ttlMs, (namespace) => this.loadOwner(namespace), options.now);
  }

  /** Resolves an Authorization header to an identity, or throws 401 with OpenWhisk's messages. */
  async authenticate(header: string | undefined): Promise<Identity> {
    if (!header) throw unauthorized('authentication-missing', Messages.authenticationRequired);
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (!match?.[1]) throw unauthorized('authentication-invalid', Messages.authenticationInvalid);
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const { uuid, key } = splitAuth(decoded);
    if (!uuid || !key || uuid.length > 128 || key.length > 128) throw unauthorized('authentication-invalid', Messages.authenticationInvalid);
    const { doc } = await (this.keys ? this.keys.forceFetch(uuid) : this.loadKey(uuid));
    if (!doc || doc.revoked || !keyMatches(doc, key)) throw unauthorized('authentication-invalid', Messages.authenticationInvalid);
    return { subject: doc.subject, namespace: doc.namespace, uuid: doc.uuid, authKey: `${uuid}:${key}` };
  }

  /**
   * The identity a namespace acts as when no caller key is involved (web actions run as their
   * owner). It has no key: keys are stored only as hashes, so `authKey` is empty.
   */
  async ownerOf(namespace: string): Promise<Identity | undefined> {
    const { owner } = await (this.owners ? this.owners.forceFetch(namespace) : this.loadOwner(namespace));
    return owner;
  }

  /** Every namespace the identity's subject owns, its own first (GET /api/v1/namespaces). */
  async namespacesOf(identity: Identity): Promise<string[]> {
    const owned = await (this.subjects ? this.subjects.forceFetch(identity.subject) : this.loadSubject(identity.subject));
    return [identity.namespace, ...owned.filter((ns) => ns !== identity.namespace)];
  }

  /** Makes sure `auth` (uuid:key) is a valid key for `namespace` of `subject`, creating what is missing. */
  async ensure(subject: string, namespace: string, auth: string): Promise<'ensured' | 'revoked'> {
    const outcome = await this.records.ensure(subject, namespace, auth);
    this.keys?.delete(splitAuth(auth).uuid);
    this.subjects?.delete(subject);
    return outcome;
  }

  /** Drops cached entries a change touched; 'all' after signals may have been lost. */
  invalidate(change: IdentityChange | 'all'): void {
    if (change === 'all') {
      this.keys?.clear();
      this.subjects?.clear();
      this.owners?.clear();
      return;
    }
    for (const uuid of change.uuids ?? []) this.keys?.delete(uuid);
    for (const subject of change.subjects ?? []) this.subjects?.delete(subject);
    for (const namespace of change.namespaces ?? []) this.owners?.delete(namespace);
  }

  private async loadKey(uuid: string): Promise<KeyLookup> {
    return { doc: await this.records.key(uuid) };
  }

  private async loadOwner(namespace: string): Promise<OwnerLookup> {
    const doc = await this.records.namespace(namespace);
    // A namespace whose keys are all gone acts for nobody.
    if (!doc || doc.keys.length === 0) return { owner: undefined };
    return { owner: { subject: doc.subject, namespace: doc.namespace, uuid: doc.keys[0]!, authKey: '' } };
  }

  private async loadSubject(subject: string): Promise<readonly string[]> {
    return (await this.records.subject(subject))?.namespaces ?? [];
  }
}

function unauthorized(code: 'authentication-missing' | 'authentication-invalid', message: string): PlatformError {
  return new PlatformError(code, message, { headers: WWW_AUTHENTICATE });
}
