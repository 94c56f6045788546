import { randomBytes } from 'node:crypto';
import type { Logger } from '../../logging/logger';
import type { Naming } from '../../naming';
import type { EntityDocument, EntityStore, EntityType, ListOptions, PutOutcome, Stored } from '../../spi/entity-store';
import { connectRedis, type RedisSource } from './redis-connection';
import { escapeKeyPart } from './redis-key-part';
import { ENTITY_DELETE, ENTITY_LIST, ENTITY_PUT, runScript } from './redis-scripts';

// EntityStore on Redis. Layout (every key from naming.redisKey):
//   entity:<ns>:<key>            hash  d = doc JSON, t = entity type, r = revision, g = generation
//   entity-index:<ns>:<type>     zset  member <key>, score = server time of the last write (µs)
// Revisions are "<generation>-<random>": the generation counts writes, the random part keeps a
// re-created key from reusing an old revision.

export interface RedisEntityStoreOptions {
  readonly redis: RedisSource;
  readonly naming: Naming;
  readonly logger: Logger;
}

const ENTITY_TYPES: Readonly<Record<EntityType, true>> = { action: true, package: true, trigger: true, rule: true, identity: true, registration: true, api: true };
const TYPE_ORDER = Object.keys(ENTITY_TYPES) as EntityType[];

type PutReply = [0, Extract<PutOutcome, { ok: false }>['reason']] | [1, string];

export function createRedisEntityStore(options: RedisEntityStoreOptions): EntityStore {
  return new RedisEntityStore(options);
}

class RedisEntityStore implements EntityStore {
  private readonly connection;
  private readonly logger: Logger;
  private closed = false;

  constructor(private readonly options: RedisEntityStoreOptions) {
    this.connection = connectRedis(options.redis);
    this.logger = options.logger.child({ component: 'redis-entity-store' });
  }

  async get<T extends EntityDocument>(namespace: string, key: string): Promise<Stored<T> | undefined> {
    const [doc, revision] = await this.redis().hmget(this.docKey(namespace, key), 'd', 'r');
    return doc === null || doc === undefined || !revision ? undefined : { doc: JSON.parse(doc) as T, revision };
  }

  async put<T extends EntityDocument>(namespace: string, key: string, doc: T, expectedRevision: string | null): Promise<PutOutcome> {
    if (!Object.hasOwn(ENTITY_TYPES, doc.entityType)) throw new Error(`cannot store an entity of type ${JSON.stringify(doc.entityType)}`);
    const reply = (await runScript(
      this.redis(),
      ENTITY_PUT,
      [this.docKey(namespace, key), this.indexKey(namespace, doc.entityType)],
      [
        JSON.stringify(doc),
        doc.entityType,
        expectedRevision === null ? 'create' : 'update',
        expectedRevision ?? '',
        randomBytes(4).toString('hex'),
        escapeKeyPart(key),
      ],
    )) as PutReply;
    if (reply[0] === 1) return { ok: true, revision: reply[1] };
    this.logger.debug({ namespace, key, reason: reply[1] }, 'entity put refused');
    return { ok: false, reason: reply[1] };
  }

  async delete(namespace: string, key: string, expectedRevision?: string): Promise<boolean> {
    const deleted = await runScript(
      this.redis(),
      ENTITY_DELETE,
      [this.docKey(namespace, key), ...TYPE_ORDER.map((type) => this.indexKey(namespace, type))],
      [expectedRevision === undefined ? 'any' : 'match', expectedRevision ?? '', escapeKeyPart(key), ...TYPE_ORDER],
    );
    return deleted === 1;
  }

  async list<T extends EntityDocument>(namespace: string, entityType: EntityType, options: ListOptions): Promise<Stored<T>[]> {
    if (options.limit <= 0) return [];
    const flat = (await runScript(
      this.redis(),
      ENTITY_LIST,
      [this.indexKey(namespace, entityType)],
      [this.options.naming.redisKey('entity', escapeKeyPart(namespace), ''), Math.max(0, options.skip), options.limit],
    )) as string[];
    const result: Stored<T>[] = [];
    for (let at = 0; at + 1 < flat.length; at += 2) result.push({ doc: JSON.parse(flat[at]!) as T, revision: flat[at + 1]! });
    return result;
  }

  async count(namespace: string, entityType: EntityType): Promise<number> {
    return this.redis().zcard(this.indexKey(namespace, entityType));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.release();
  }

  private redis() {
    if (this.closed) throw new Error('the redis entity store is closed');
    return this.connection.client;
  }

  private docKey(namespace: string, key: string): string {
    return this.options.naming.redisKey('entity', escapeKeyPart(namespace), escapeKeyPart(key));
  }

  private indexKey(namespace: string, entityType: EntityType): string {
    return this.options.naming.redisKey('entity-index', escapeKeyPart(namespace), entityType);
  }
}
