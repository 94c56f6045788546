import type { ActivationRecord } from '../../entities/activation';
import type { Logger } from '../../logging/logger';
import type { Naming } from '../../naming';
import type { ActivationQuery, ActivationStore, ClaimOptions, ClaimOutcome, CreateOutcome } from '../../spi/activation-store';
import { checkRecord } from '../embedded/activation-record-check';
import { connectRedis, type RedisSource } from './redis-connection';
import { escapeKeyPart } from './redis-key-part';
import { ACTIVATION_CLAIM, ACTIVATION_COUNT, ACTIVATION_CREATE, ACTIVATION_LIST, runScript } from './redis-scripts';

// ActivationStore on Redis. Layout (every key from naming.redisKey):
//   activation:<id>                      string  record JSON (logs included), PX retention
//   activation-index:<ns>                zset    id by start
//   activation-name-index:<ns>:<name>    zset    id by start
//   activation-expiry:<ns>               zset    "<id>\n<name>" by expiry time, to prune both indexes
//   activation-claim:<id>                string  holder, PX claim ttl
//   activation-attempts:<id>             counter of granted claims, PX claim memory
// The record is keyed by id alone: the id is the deduplication key (create-only across
// namespaces), and getById needs no second lookup. Index entries whose record expired are
// pruned by list and count before they answer, so counts do not include expired records.

/** Same defaults as the embedded store. */
export const DEFAULT_ACTIVATION_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_CLAIM_MEMORY_MS = 24 * 60 * 60 * 1000;
/** Expired index entries one list or count removes at most, so one call never blocks Redis for long. */
const PRUNE_BUDGET = 5000;

export interface RedisActivationStoreOptions {
  readonly redis: RedisSource;
  readonly naming: Naming;
  readonly logger: Logger;
  /** How long a record is kept after it was written. */
  readonly retentionMs?: number;
  /** How long an activation's attempt count outlives its last claim. */
  readonly claimMemoryMs?: number;
}

type ClaimReply = [1, number] | [0, string];

export function createRedisActivationStore(options: RedisActivationStoreOptions): ActivationStore {
  return new RedisActivationStore(options);
}

class RedisActivationStore implements ActivationStore {
  private readonly connection;
  private readonly logger: Logger;
  private readonly retentionMs: number;
  private readonly claimMemoryMs: number;
  private closed = false;

  constructor(private readonly options: RedisActivationStoreOptions) {
    this.connection = connectRedis(options.redis);
    this.logger = options.logger.child({ component: 'redis-activation-store' });
    this.retentionMs = Math.max(1, Math.ceil(options.retentionMs ?? DEFAULT_ACTIVATION_RETENTION_MS));
    this.claimMemoryMs = Math.max(1, Math.ceil(options.claimMemoryMs ?? DEFAULT_CLAIM_MEMORY_MS));
  }

  async create(record: ActivationRecord): Promise<CreateOutcome> {
    checkRecord(record);
    const { namespace, name, activationId, start } = record;
    const created = await runScript(
      this.redis(),
      ACTIVATION_CREATE,
      [this.recordKey(activationId), this.namespaceIndex(namespace), this.nameIndex(namespace, name), this.expiryKey(namespace)],
      [JSON.stringify(record), start, escapeKeyPart(activationId), this.retentionMs, `${escapeKeyPart(activationId)}\n${escapeKeyPart(name)}`],
    );
    if (created === 1) return 'created';
    this.logger.debug({ activationId, namespace }, 'activation record already exists');
    return 'duplicate';
  }

  async get(namespace: string, activationId: string): Promise<ActivationRecord | undefined> {
    const record = await this.getById(activationId);
    return record?.namespace === namespace ? record : undefined;
  }

  async getById(activationId: string): Promise<ActivationRecord | undefined> {
    const json = await this.redis().get(this.recordKey(activationId));
    return json === null ? undefined : (JSON.parse(json) as ActivationRecord);
  }

  async list(namespace: string, query: ActivationQuery): Promise<ActivationRecord[]> {
    if (query.limit <= 0) return [];
    const records = (await runScript(this.redis(), ACTIVATION_LIST, this.queryKeys(namespace, query), [
      this.options.naming.redisKey('activation', ''),
      this.nameIndexPrefix(namespace),
      query.upto ?? '+inf',
      query.since ?? '-inf',
      Math.max(0, query.skip),
      query.limit,
      PRUNE_BUDGET,
    ])) as string[];
    return records.map((json) => JSON.parse(json) as ActivationRecord);
  }

  async count(namespace: string, query: Omit<ActivationQuery, 'skip' | 'limit'>): Promise<number> {
    const count = await runScript(this.redis(), ACTIVATION_COUNT, this.queryKeys(namespace, query), [
      this.nameIndexPrefix(namespace),
      query.upto ?? '+inf',
      query.since ?? '-inf',
      PRUNE_BUDGET,
    ]);
    return count as number;
  }

  async claim(activationId: string, holder: string, ttlMs: number, options: ClaimOptions = {}): Promise<ClaimOutcome> {
    const ttl = Math.max(1, Math.ceil(ttlMs));
    const reply = (await runScript(
      this.redis(),
      ACTIVATION_CLAIM,
      [this.options.naming.redisKey('activation-claim', escapeKeyPart(activationId)), this.options.naming.redisKey('activation-attempts', escapeKeyPart(activationId))],
      [holder, ttl, Math.max(ttl, this.claimMemoryMs), options.supersedes ?? ''],
    )) as ClaimReply;
    return reply[0] === 1 ? { granted: true, attempt: reply[1] } : { granted: false, holder: reply[1] };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.release();
  }

  private redis() {
    if (this.closed) throw new Error('the redis activation store is closed');
    return this.connection.client;
  }

  private queryKeys(namespace: string, query: Pick<ActivationQuery, 'name'>): string[] {
    const namespaceIndex = this.namespaceIndex(namespace);
    return [query.name === undefined ? namespaceIndex : this.nameIndex(namespace, query.name), namespaceIndex, this.expiryKey(namespace)];
  }

  private recordKey(activationId: string): string {
    return this.options.naming.redisKey('activation', escapeKeyPart(activationId));
  }

  private namespaceIndex(namespace: string): string {
    return this.options.naming.redisKey('activation-index', escapeKeyPart(namespace));
  }

  private nameIndex(namespace: string, name: string): string {
    return this.options.naming.redisKey('activation-name-index', escapeKeyPart(namespace), escapeKeyPart(name));
  }

  private nameIndexPrefix(namespace: string): string {
    return this.options.naming.redisKey('activation-name-index', escapeKeyPart(namespace), '');
  }

  private expiryKey(namespace: string): string {
    return this.options.naming.redisKey('activation-expiry', escapeKeyPart(namespace));
  }
}
