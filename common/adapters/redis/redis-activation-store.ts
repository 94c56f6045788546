import type { ActivationRecord } from '../../entities/activation';
import type { Logger } from '../../logging/logger';
import type { Naming } from '../../naming';
import { Messages } from '../../errors/messages';
import { PlatformError } from '../../errors/platform-error';
import type { ActivationFilter, ActivationPage, ActivationQuery, ActivationStore, ClaimOptions, ClaimOutcome, CreateOutcome } from '../../spi/activation-store';
import { COUNT_SCAN_BUDGET, PAGE_SCAN_BUDGET, indexedFields, planQuery, selectorsOf, type IndexDriver, type IndexSelector } from '../activation-index';
import { checkRecord } from '../embedded/activation-record-check';
import { connectRedis, type RedisSource } from './redis-connection';
import { escapeKeyPart } from './redis-key-part';
import { runScript } from './redis-scripts';
import { ACTIVATION_CLAIM, ACTIVATION_COUNT, ACTIVATION_COUNT_IF_NONE_EXPIRED, ACTIVATION_CREATE, ACTIVATION_PAGE } from './redis-activation-scripts';

// ActivationStore on Redis. Layout (every key from naming.redisKey):
//   activation:<id>                      string  record JSON without its logs, PX retention (records
//                                                 written before logs were kept apart have them inside)
//   activation-logs:<id>                 string  {"namespace", "logs"} JSON, written with the record, same PX
//   activation-index:<ns>                zset    id by start
//   activation-name-index:<ns>:<name>    zset    id by start
//   activation-filter-index:<ns>:<sel>   zset    id by start, one per index of activation-index.ts
//                                                 that names a status or start kind: <sel> is
//                                                 [n<name>:][s<status>:][k<start kind>] (ADR 0023)
//   activation-cause-index:<ns>:<cause>  zset    id by start, records with that cause
//   activation-trigger-index:<ns>:<trigger> zset  id by start, records a rule of that trigger invoked
//   activation-meta:<ns>                 hash    id -> "<status>\t<start kind>\t<duration>\t<cause>\t<name>\t<trigger>",
//                                                 for filters checked record by record
//   activation-expiry:<ns>               zset    "<id>\n<name>\n<status>\n<start kind>\n<cause>\n<trigger>" by
//                                                 expiry time, to prune every index and the meta hash
//   activation-none-expired:<ns>         string  exists only while no expiry entry is due (PXAT the oldest):
//                                                 while it does, a count is a ZCOUNT in a two-line script
//   activation-claim:<id>                string  holder, PX claim ttl
//   activation-attempts:<id>             counter of granted claims, PX claim memory
// The record is keyed by id alone: the id is the deduplication key (create-only across
// namespaces), and getById needs no second lookup. Index entries whose record expired are
// pruned by list and count before they answer, so counts do not include expired records. A
// record, its logs and all its index entries are written by one script: a query never sees half
// of it. Logs are apart so that a list reads none of them unless asked, and /logs only them.

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
    const fields = indexedFields(record);
    const indexKeys = selectorsOf(fields).map((selector) => this.indexKey(namespace, { by: 'selector', selector }));
    if (fields.cause !== undefined) indexKeys.push(this.indexKey(namespace, { by: 'cause', cause: fields.cause }));
    if (fields.trigger !== undefined) indexKeys.push(this.indexKey(namespace, { by: 'trigger', trigger: fields.trigger }));
    const kind = fields.startKind ?? '';
    const cause = fields.cause === undefined ? '' : escapeKeyPart(fields.cause);
    const trigger = fields.trigger === undefined ? '' : escapeKeyPart(fields.trigger);
    const expiryMember = [escapeKeyPart(activationId), escapeKeyPart(name), fields.statusCode, kind, cause, trigger].join('\n');
    // Tabs and newlines appear in no entity name or activation id.
    const meta = [fields.statusCode, kind, fields.duration, fields.cause ?? '', name, fields.trigger ?? ''].join('\t');
    const { logs, ...withoutLogs } = record;
    const created = await runScript(
      this.redis(),
      ACTIVATION_CREATE,
      [this.recordKey(activationId), this.logsKey(activationId), this.expiryKey(namespace), this.metaKey(namespace), this.noneExpiredKey(namespace), ...indexKeys],
      [JSON.stringify(withoutLogs), start, escapeKeyPart(activationId), this.retentionMs, expiryMember, meta, JSON.stringify({ namespace, logs } satisfies StoredLogs)],
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
    const [json, logs] = await this.redis().mget(this.recordKey(activationId), this.logsKey(activationId));
    return json === null || json === undefined ? undefined : withLogs(json, logs ?? null);
  }

  async logs(namespace: string, activationId: string): Promise<readonly string[] | undefined> {
    const json = await this.redis().get(this.logsKey(activationId));
    if (json !== null) {
      const stored = JSON.parse(json) as StoredLogs;
      return stored.namespace === namespace ? stored.logs : undefined;
    }
    // no logs key: a record written before logs were kept apart (they are inside it), or none
    const record = await this.get(namespace, activationId);
    return record?.logs;
  }

  async list(namespace: string, query: ActivationQuery): Promise<ActivationRecord[]> {
    return (await this.page(namespace, query)).records;
  }

  async page(namespace: string, query: ActivationQuery): Promise<ActivationPage> {
    if (query.limit <= 0) return { records: [] };
    const plan = planQuery(query);
    const loadLogs = query.withLogs === true;
    const [nextStart, nextId, ...values] = (await runScript(this.redis(), ACTIVATION_PAGE, this.queryKeys(namespace, plan.driver), [
      this.options.naming.redisKey('activation', ''),
      this.nameIndexPrefix(namespace),
      this.filterIndexPrefix(namespace),
      this.causeIndexPrefix(namespace),
      query.upto ?? '+inf',
      query.since ?? '-inf',
      Math.max(0, query.skip),
      query.limit,
      PRUNE_BUDGET,
      plan.checked ? 1 : 0,
      query.after?.start ?? '',
      query.after ? escapeKeyPart(query.after.id) : '',
      ...filterArgs(query),
      PAGE_SCAN_BUDGET,
      this.triggerIndexPrefix(namespace),
      loadLogs ? 1 : 0,
      this.options.naming.redisKey('activation-logs', ''),
    ])) as (string | null)[];
    const records: ActivationRecord[] = [];
    if (loadLogs) for (let i = 0; i < values.length; i += 2) records.push(withLogs(values[i]!, values[i + 1] ?? null));
    else for (const json of values) records.push(withoutLogs(json!));
    return {
      records,
      ...(nextStart ? { next: { start: Number(nextStart), id: nextId! } } : {}),
    };
  }

  async count(namespace: string, query: ActivationFilter): Promise<number> {
    const plan = planQuery(query);
    if (!plan.checked) {
      // While nothing is due for pruning, one index's ZCOUNT is the answer (ADR 0023, "count").
      const count = (await runScript(this.redis(), ACTIVATION_COUNT_IF_NONE_EXPIRED, [this.indexKey(namespace, plan.driver), this.noneExpiredKey(namespace)], [
        query.since ?? '-inf',
        query.upto ?? '+inf',
      ])) as number;
      if (count >= 0) return count;
    }
    const count = (await runScript(this.redis(), ACTIVATION_COUNT, this.queryKeys(namespace, plan.driver), [
      this.nameIndexPrefix(namespace),
      query.upto ?? '+inf',
      query.since ?? '-inf',
      PRUNE_BUDGET,
      this.filterIndexPrefix(namespace),
      this.causeIndexPrefix(namespace),
      plan.checked ? 1 : 0,
      ...filterArgs(query),
      COUNT_SCAN_BUDGET,
      this.triggerIndexPrefix(namespace),
    ])) as number;
    if (count < 0) throw new PlatformError('activation-query-too-broad', Messages.activationQueryTooBroad(COUNT_SCAN_BUDGET));
    return count;
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

  private queryKeys(namespace: string, driver: IndexDriver): string[] {
    return [this.indexKey(namespace, driver), this.namespaceIndex(namespace), this.expiryKey(namespace), this.metaKey(namespace), this.noneExpiredKey(namespace)];
  }

  /** The namespace and name indexes keep their names from before ADR 0023, so records written then stay listed. */
  private indexKey(namespace: string, driver: IndexDriver): string {
    if (driver.by === 'cause') return this.causeIndexPrefix(namespace) + escapeKeyPart(driver.cause);
    if (driver.by === 'trigger') return this.triggerIndexPrefix(namespace) + escapeKeyPart(driver.trigger);
    const selector: IndexSelector = driver.selector;
    if (selector.status === undefined && selector.start === undefined) {
      return selector.name === undefined ? this.namespaceIndex(namespace) : this.nameIndex(namespace, selector.name);
    }
    const parts = [
      ...(selector.name !== undefined ? [`n${escapeKeyPart(selector.name)}`] : []),
      ...(selector.status !== undefined ? [`s${selector.status}`] : []),
      ...(selector.start !== undefined ? [`k${selector.start}`] : []),
    ];
    return this.filterIndexPrefix(namespace) + parts.join(':');
  }

  private filterIndexPrefix(namespace: string): string {
    return this.options.naming.redisKey('activation-filter-index', escapeKeyPart(namespace), '');
  }

  private causeIndexPrefix(namespace: string): string {
    return this.options.naming.redisKey('activation-cause-index', escapeKeyPart(namespace), '');
  }

  private triggerIndexPrefix(namespace: string): string {
    return this.options.naming.redisKey('activation-trigger-index', escapeKeyPart(namespace), '');
  }

  private metaKey(namespace: string): string {
    return this.options.naming.redisKey('activation-meta', escapeKeyPart(namespace));
  }

  private noneExpiredKey(namespace: string): string {
    return this.options.naming.redisKey('activation-none-expired', escapeKeyPart(namespace));
  }

  private logsKey(activationId: string): string {
    return this.options.naming.redisKey('activation-logs', escapeKeyPart(activationId));
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

/** What activation-logs:<id> holds: the namespace lets /logs check it without reading the record. */
interface StoredLogs {
  readonly namespace: string;
  readonly logs: readonly string[];
}

/**
 * A stored record with its logs: from the logs key, or from inside the record when it was written
 * before logs were kept apart (such a record has a `logs` field and no logs key).
 */
function withLogs(json: string, logsJson: string | null): ActivationRecord {
  const record = JSON.parse(json) as ActivationRecord;
  if (record.logs !== undefined) return record;
  return { ...record, logs: logsJson === null ? [] : (JSON.parse(logsJson) as StoredLogs).logs };
}

/** A stored record for a list that did not ask for logs: `logs: []` in either layout. */
function withoutLogs(json: string): ActivationRecord {
  const record = JSON.parse(json) as { logs?: readonly string[] };
  record.logs = [];
  return record as ActivationRecord;
}

/** The record-by-record check's filters, '' for each one not given (ACTIVATION_PAGE's ARGV 13-18). */
function filterArgs(query: ActivationFilter): (string | number)[] {
  return [query.name ?? '', query.status ?? '', query.start ?? '', query.cause ?? '', query.minDuration ?? '', query.trigger ?? ''];
}
