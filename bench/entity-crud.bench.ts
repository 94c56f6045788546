import { Agent } from 'node:http';
import { freePort } from '../test/harness/free-port';
import { startProcess, type PlatformProcess } from '../test/harness/platform-process';
import { eventually } from '../test/harness/eventually';
import { measureHttpRoundTrip } from './floors/http-round-trip';
import { measureRedisRoundTrip } from './floors/redis-round-trip';
import { printComparison, summarize } from './stats';
import { apiCall } from './api-call';

// Entity GET and PUT through the REST API of a distributed controller (Redis entity store),
// next to the floors measured in the same run: a bare Node HTTP round trip and raw Redis commands.
//
//   bash deploy/stack.sh up && npx tsx bench/entity-crud.bench.ts [iterations]

const ITERATIONS = Number(process.argv[2] ?? 2000);

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

async function main(): Promise<void> {
  const port = await freePort();
  const apihost = `http://127.0.0.1:${port}`;
  const controller: PlatformProcess = startProcess('controller0', 'controller/main.ts', { WISP_PREFIX: `bench-crud-${process.pid}`, WISP_LOG_LEVEL: 'warn', WISP_CONTROLLER_PORT: String(port) });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await eventually(async () => ((await fetch(`${apihost}/api/v1`)).ok ? true : undefined), 60_000, 200);
    const url = `${apihost}/api/v1/namespaces/_/actions/bench-entity`;
    const body = JSON.stringify({ exec: { kind: 'nodejs:20', code: 'function main(p) { return p; }' }, parameters: [{ key: 'a', value: 1 }] });
    await timed(200, () => status(agent, `${url}?overwrite=true`, 'PUT', body));
    await timed(200, () => status(agent, url, 'GET'));
    const put = await timed(ITERATIONS, () => status(agent, `${url}?overwrite=true`, 'PUT', body));
    const get = await timed(ITERATIONS, () => status(agent, url, 'GET'));
    const redis = summarize(await measureRedisRoundTrip({ url: 'redis://127.0.0.1:6379', iterations: ITERATIONS }));
    const http = summarize(await measureHttpRoundTrip({ iterations: ITERATIONS }));
    // A GET is at least one HTTP round trip plus one Redis read; a PUT reads and then writes.
    const getFloor = { n: redis.n, p50: http.p50 + redis.p50, p99: http.p99 + redis.p99 };
    const putFloor = { n: redis.n, p50: http.p50 + 2 * redis.p50, p99: http.p99 + 2 * redis.p99 };
    process.stdout.write(`\nentity API latency, ${ITERATIONS} sequential calls each, one controller on Redis\n`);
    printComparison([
      { name: 'PUT action (overwrite=true)', value: summarize(put), floor: putFloor, floorName: 'bare HTTP + 2 raw Redis round trips' },
      { name: 'GET action', value: summarize(get), floor: getFloor, floorName: 'bare HTTP + raw Redis round trip' },
      { name: 'bare HTTP round trip', value: http, floor: http, floorName: '(floor component)' },
      { name: 'raw Redis command', value: redis, floor: redis, floorName: '(floor component)' },
    ]);
  } finally {
    agent.destroy();
    await controller.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
