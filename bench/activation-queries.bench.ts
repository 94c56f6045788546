import { Redis } from 'ioredis';
import { createRedisActivationStore } from '../common/adapters/redis/redis-activation-store';
import type { ActivationRecord, StartKind, StatusCode } from '../common/entities/activation';
import { newActivationId } from '../common/ids';
import { silentLogger } from '../common/logging/logger';
import { createNaming } from '../common/naming';
import type { ActivationStore } from '../common/spi/activation-store';
import { printComparison, summarize } from './stats';

// Activation queries on Redis (ADR 0023) against the raw Redis calls each one needs, measured in
// the same run: N records are written through the store's own create (its indexes included) into
// one namespace, spread over 24 hours and 20 actions, then each query runs sequentially:
//   - newest 50 for an action            raw: ZREVRANGEBYSCORE name index LIMIT 0 50, MGET the 50
//   - failed (application_error) cold activations of an action in the last hour
//                                        raw: ZREVRANGEBYSCORE (name, status, kind) index since..+inf LIMIT 0 50, MGET
//   - count of an action's activations in the last hour with status application_error
//                                        raw: ZCOUNT (name, status) index since..+inf
//   - newest 50 for an action with their logs (docs=true; logs are stored apart, so the summaries
//     above read none)               raw: ZREVRANGEBYSCORE, MGET the 50 records and their 50 logs keys
// A query and its raw calls run in turn, round by round, so that both see the same load. The
// store parses the records it returns; a second floor adds that JSON.parse to the raw calls.
// Every key of the run carries its own prefix and is removed at the end.
//
//   bash deploy/stack.sh up && npx tsx bench/activation-queries.bench.ts [records=100000] [iterations=1000]

const RECORDS = Number(process.argv[2] ?? 100_000);
const ITERATIONS = Number(process.argv[3] ?? 1000);
const REDIS_URL = 'redis://127.0.0.1:6379';
const NAMESPACE = 'bench';
const ACTIONS = 20;
const DAY_MS = 24 * 60 * 60 * 1000;
const IN_FLIGHT = 64;

/** Deterministic spread, so two runs load the same shape. */
function shape(i: number, now: number): { name: string; start: number; statusCode: StatusCode; startKind: StartKind; duration: number } {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  const r = ((h ^ (h >>> 16)) >>> 0) % 1000;
  const statusCode: StatusCode = r < 850 ? 0 : r < 950 ? 1 : r < 980 ? 2 : 3;
  const startKind: StartKind = r % 10 === 0 ? 'cold' : r % 20 === 1 ? 'prewarmed' : 'warm';
  return { name: `action-${i % ACTIONS}`, start: now - Math.floor((i / RECORDS) * DAY_MS), statusCode, startKind, duration: 5 + (r % 400) };
}

function record(i: number, now: number): ActivationRecord {
  const s = shape(i, now);
  return {
    namespace: NAMESPACE,
    name: s.name,
    subject: NAMESPACE,
    activationId: newActivationId(),
    start: s.start,
    end: s.start + s.duration,
    duration: s.duration,
    response: { statusCode: s.statusCode, result: s.statusCode === 0 ? { ok: true, n: i } : { error: 'boom' } },
    logs: [`2026-12-08T00:00:00.000000000Z stdout: run ${i}`, '2026-12-08T00:00:00.000000001Z stdout: done'],
    version: '0.0.1',
    publish: false,
    annotations: [
      { key: 'path', value: `${NAMESPACE}/${s.name}` },
      { key: 'waitTime', value: 3 },
      { key: 'kind', value: 'nodejs:20' },
      { key: 'timeout', value: false },
      { key: 'limits', value: { concurrency: 1, logs: 10, memory: 256, timeout: 60000 } },
      { key: 'retryCount', value: 0 },
      { key: 'invokerId', value: 'invoker0' },
      { key: 'startKind', value: s.startKind },
      { key: 'containerId', value: 'c0ffee' },
    ],
  };
}

async function load(store: ActivationStore, now: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < RECORDS) {
        const i = next++;
        await store.create(record(i, now));
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

/** Each op in turn, ITERATIONS rounds: a query and its raw calls share the machine's moments, good and bad. */
async function interleaved<T extends (() => Promise<unknown>)[]>(...ops: T): Promise<{ [K in keyof T]: number[] }> {
  for (let i = 0; i < Math.min(100, ITERATIONS); i++) for (const op of ops) await op();
  const samples = ops.map(() => [] as number[]);
  for (let i = 0; i < ITERATIONS; i++) {
    for (const [at, op] of ops.entries()) {
      const started = performance.now();
      await op();
      samples[at]!.push(performance.now() - started);
    }
  }
  return samples as { [K in keyof T]: number[] };
}

async function removeKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
    cursor = nextCursor;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

async function main(): Promise<void> {
  const prefix = `bench-activation-queries-${process.pid}`;
  const naming = createNaming(prefix);
  const redis = new Redis(REDIS_URL);
  const store = createRedisActivationStore({ redis: REDIS_URL, naming, logger: silentLogger });
  try {
    const now = Date.now();
    const before = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    const seconds = await load(store, now);
    const after = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    process.stdout.write(
      `loaded ${RECORDS} records through the store in ${seconds.toFixed(1)} s (${Math.round(RECORDS / seconds)}/s, ${IN_FLIGHT} in flight); Redis memory +${((after - before) / 1024 / 1024).toFixed(0)} MiB\n`,
    );

    const action = 'action-3';
    const hourAgo = now - 60 * 60 * 1000;
    const recordKey = (id: string) => naming.redisKey('activation', id);
    const nameIndex = naming.redisKey('activation-name-index', NAMESPACE, action);
    const failedColdIndex = naming.redisKey('activation-filter-index', NAMESPACE, `n${action}`, 's1', 'kcold');
    const failedIndex = naming.redisKey('activation-filter-index', NAMESPACE, `n${action}`, 's1');

    /** The raw calls of a list: the index range, then the records; with `parse`, also what any reader must do to hand them back. */
    const rawList = (index: string, min: number | string, parse: boolean) => async () => {
      const ids = await redis.zrevrangebyscore(index, '+inf', min, 'LIMIT', 0, 50);
      if (ids.length === 0) return;
      const records = await redis.mget(...ids.map(recordKey));
      if (parse) records.map((json) => JSON.parse(json!) as unknown);
    };
    const [newest, newestRaw, newestParsed] = await interleaved(
      () => store.list(NAMESPACE, { name: action, skip: 0, limit: 50 }),
      rawList(nameIndex, '-inf', false),
      rawList(nameIndex, '-inf', true),
    );
    const [failedCold, failedColdRaw, failedColdParsed] = await interleaved(
      () => store.list(NAMESPACE, { name: action, status: 1, start: 'cold', since: hourAgo, skip: 0, limit: 50 }),
      rawList(failedColdIndex, hourAgo, false),
      rawList(failedColdIndex, hourAgo, true),
    );
    const logsKey = (id: string) => naming.redisKey('activation-logs', id);
    const rawWithLogs = (parse: boolean) => async () => {
      const ids = await redis.zrevrangebyscore(nameIndex, '+inf', '-inf', 'LIMIT', 0, 50);
      if (ids.length === 0) return;
      const values = await redis.mget(...ids.map(recordKey), ...ids.map(logsKey));
      if (parse) values.map((json) => JSON.parse(json!) as unknown);
    };
    const [withLogs, withLogsRaw, withLogsParsed] = await interleaved(
      () => store.list(NAMESPACE, { name: action, skip: 0, limit: 50, withLogs: true }),
      rawWithLogs(false),
      rawWithLogs(true),
    );
    const [count, countRaw] = await interleaved(
      () => store.count(NAMESPACE, { name: action, status: 1, since: hourAgo }),
      () => redis.zcount(failedIndex, hourAgo, '+inf'),
    );

    const found = {
      newest: (await store.list(NAMESPACE, { name: action, skip: 0, limit: 50 })).length,
      failedCold: (await store.list(NAMESPACE, { name: action, status: 1, start: 'cold', since: hourAgo, skip: 0, limit: 50 })).length,
      count: await store.count(NAMESPACE, { name: action, status: 1, since: hourAgo }),
    };
    process.stdout.write(`\nactivation queries on ${RECORDS} records, ${ITERATIONS} sequential calls each (answers: ${found.newest} records, ${found.failedCold} records, count ${found.count})\n`);
    printComparison([
      { name: 'newest 50 for an action', value: summarize(newest), floor: summarize(newestRaw), floorName: 'raw ZREVRANGEBYSCORE + MGET' },
      { name: 'newest 50 for an action', value: summarize(newest), floor: summarize(newestParsed), floorName: 'same + JSON.parse of the records' },
      { name: 'failed cold of an action, 1 h', value: summarize(failedCold), floor: summarize(failedColdRaw), floorName: 'raw ZREVRANGEBYSCORE + MGET' },
      { name: 'failed cold of an action, 1 h', value: summarize(failedCold), floor: summarize(failedColdParsed), floorName: 'same + JSON.parse of the records' },
      { name: 'count failed of an action, 1 h', value: summarize(count), floor: summarize(countRaw), floorName: 'raw ZCOUNT' },
      { name: 'newest 50 with logs (docs=true)', value: summarize(withLogs), floor: summarize(withLogsRaw), floorName: 'raw ZREVRANGEBYSCORE + MGET 100' },
      { name: 'newest 50 with logs (docs=true)', value: summarize(withLogs), floor: summarize(withLogsParsed), floorName: 'same + JSON.parse of the values' },
    ]);
  } finally {
    await store.close();
    await removeKeys(redis, prefix);
    redis.disconnect();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
