import { Agent } from 'node:http';
import { freePort } from '../test/harness/free-port';
import { startProcess, type PlatformProcess } from '../test/harness/platform-process';
import { eventually } from '../test/harness/eventually';
import { measureHttpRoundTrip } from './floors/http-round-trip';
import { measureRedisRoundTrip } from './floors/redis-round-trip';
import { printComparison, summarize, summarizeSums } from './stats';
import { BENCH_PLATFORM_ENV, apiCall } from './api-call';

// Entity GET and PUT through the REST API of distributed controllers (Redis entity store), next to
// the floors measured in the same run: a bare Node HTTP round trip and raw Redis GETs. Two
// controllers share one prefix: one with its entity cache (the default TTL), so a repeated GET is
// a cache hit and its floor is HTTP alone; one with WISP_ENTITY_CACHE_TTL_MS=0, so every GET reads
// Redis and its floor is HTTP plus one Redis round trip. Floors of several hops are per-call sums.
//
//   bash deploy/stack.sh up && npx tsx bench/entity-crud.bench.ts [iterations]

const ITERATIONS = Number(process.argv[2] ?? 2000);
const WARMUP = 200;

const status = (agent: Agent, url: string, method: string, body?: string) => apiCall(agent, url, method, body).then((res) => res.status);

async function timed(iterations: number, op: () => Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    const status = await op();
    if (status !== 200) throw new Error(`unexpected status ${status}`);
    samples.push(performance.now() - started);
  }
  return samples;
}

async function startController(id: string, prefix: string, env: Record<string, string>): Promise<{ apihost: string; process: PlatformProcess }> {
  const port = await freePort();
  const child = startProcess(id, 'controller/main.ts', { ...BENCH_PLATFORM_ENV, WISP_PREFIX: prefix, WISP_LOG_LEVEL: 'warn', WISP_CONTROLLER_ID: id, WISP_CONTROLLER_PORT: String(port), ...env });
  return { apihost: `http://127.0.0.1:${port}`, process: child };
}

async function main(): Promise<void> {
  const prefix = `bench-crud-${process.pid}`;
  const cached = await startController('controller0', prefix, {});
  const uncached = await startController('controller1', prefix, { WISP_ENTITY_CACHE_TTL_MS: '0' });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const { apihost } of [cached, uncached]) await eventually(async () => ((await fetch(`${apihost}/api/v1`)).ok ? true : undefined), 60_000, 200);
    const path = '/api/v1/namespaces/_/actions/bench-entity';
    const body = JSON.stringify({ exec: { kind: 'nodejs:20', code: 'function main(p) { return p; }' }, parameters: [{ key: 'a', value: 1 }] });
    const putUrl = `${cached.apihost}${path}?overwrite=true`;
    await timed(WARMUP, () => status(agent, putUrl, 'PUT', body));
    const put = await timed(ITERATIONS, () => status(agent, putUrl, 'PUT', body));
    await timed(WARMUP, () => status(agent, `${cached.apihost}${path}`, 'GET'));
    const hit = await timed(ITERATIONS, () => status(agent, `${cached.apihost}${path}`, 'GET'));
    await timed(WARMUP, () => status(agent, `${uncached.apihost}${path}`, 'GET'));
    const miss = await timed(ITERATIONS, () => status(agent, `${uncached.apihost}${path}`, 'GET'));

    // Twice as many Redis GETs as calls: a PUT reads and then writes, so its floor takes two.
    const redis = await measureRedisRoundTrip({ url: 'redis://127.0.0.1:6379', iterations: 2 * ITERATIONS, command: 'get' });
    const [redisA, redisB] = [redis.slice(0, ITERATIONS), redis.slice(ITERATIONS)];
    const http = await measureHttpRoundTrip({ iterations: ITERATIONS });
    const httpFloor = summarize(http);
    process.stdout.write(`\nentity API latency, ${ITERATIONS} sequential calls each, controllers on Redis\n`);
    printComparison([
      { name: 'PUT action (overwrite=true)', value: summarize(put), floor: summarizeSums(http, redisA, redisB), floorName: 'bare HTTP + 2 Redis GETs, per call' },
      { name: 'GET action, cache hit', value: summarize(hit), floor: httpFloor, floorName: 'bare HTTP round trip' },
      { name: 'GET action, no cache (TTL 0)', value: summarize(miss), floor: summarizeSums(http, redisA), floorName: 'bare HTTP + Redis GET, per call' },
      { name: 'bare HTTP round trip', value: httpFloor, floor: httpFloor, floorName: '(floor component)' },
      { name: 'raw Redis GET', value: summarize(redis), floor: summarize(redis), floorName: '(floor component)' },
    ]);
  } finally {
    agent.destroy();
    await Promise.all([cached.process.stop(), uncached.process.stop()]);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
