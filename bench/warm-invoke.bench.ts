import { Agent } from 'node:http';
import Dockerode from 'dockerode';
import { createNaming } from '../common/naming';
import { freePort } from '../test/harness/free-port';
import { startProcess, waitForHealthyInvokers, type PlatformProcess } from '../test/harness/platform-process';
import { containerProxyToken, measureBareRun } from './floors/container-run';
import { measureKafkaRoundTrip } from './floors/kafka-round-trip';
import { measureNatsRoundTrip } from './floors/nats-round-trip';
import { measureRedisRoundTrip } from './floors/redis-round-trip';
import { printComparison, summarize, summarizeSums } from './stats';
import { BENCH_PLATFORM_ENV, NO_STEM_CELLS, apiCall } from './api-call';

// Warm blocking invoke through the whole distributed path (HTTP → controller → Kafka → invoker
// → container /run → Redis record → NATS ack → HTTP answer), next to the floors measured in the
// same run: a bare /run round trip into the very container that served the invokes, a raw Kafka
// produce → consume round trip and a raw NATS request/reply. The floor is their per-call sum
// (call i of each hop added, then percentiles), since the sum of percentiles overstates the tail.
// The same action is also called as a web action (`/api/v1/web/guest/default/noop.json`, no key),
// which takes the same path plus the web request and response mapping.
//
//   bash deploy/stack.sh up && npx tsx bench/warm-invoke.bench.ts [iterations]

const ITERATIONS = Number(process.argv[2] ?? 1000);
const WARMUP = 100;

async function main(): Promise<void> {
  const prefix = `bench-${process.pid}`;
  const port = await freePort();
  const apihost = `http://127.0.0.1:${port}`;
  const env = { ...BENCH_PLATFORM_ENV, WISP_PREFIX: prefix, WISP_LOG_LEVEL: 'warn', WISP_CONTROLLER_PORT: String(port) };
  const processes: PlatformProcess[] = [
    startProcess('invoker0', 'invoker/main.ts', { ...env, WISP_INVOKER_ID: 'invoker0', WISP_CONTAINER_FACTORY: 'docker', ...NO_STEM_CELLS }),
    startProcess('controller0', 'controller/main.ts', env),
  ];
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await waitForHealthyInvokers(apihost, 1, processes, 90_000);
    const actionUrl = `${apihost}/api/v1/namespaces/_/actions/noop`;
    const put = await apiCall(agent, `${actionUrl}?overwrite=true`, 'PUT', JSON.stringify({ exec: { kind: 'nodejs:20', code: 'function main(){ return {}; }' }, annotations: [{ key: 'web-export', value: true }] }));
    if (put.status !== 200) throw new Error(`creating the action failed: ${put.status} ${put.body}`);

    const invoke = async () => {
      const started = performance.now();
      const res = await apiCall(agent, `${actionUrl}?blocking=true&result=true`, 'POST', '{}');
      if (res.status !== 200) throw new Error(`invoke failed: ${res.status} ${res.body}`);
      return performance.now() - started;
    };
    for (let i = 0; i < WARMUP; i++) await invoke();
    const wisp: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) wisp.push(await invoke());
    const webUrl = `${apihost}/api/v1/web/guest/default/noop.json`;
    const webCall = async () => {
      const started = performance.now();
      const res = await apiCall(agent, webUrl, 'GET', undefined, { anonymous: true });
      if (res.status !== 200) throw new Error(`web action call failed: ${res.status} ${res.body}`);
      return performance.now() - started;
    };
    for (let i = 0; i < WARMUP; i++) await webCall();
    const web: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) web.push(await webCall());

    // The container that served them: the only one of this run's prefix.
    const docker = new Dockerode();
    const naming = createNaming(prefix);
    const [info] = await docker.listContainers({ filters: { label: [`${naming.containerLabelKey}=${prefix}`] } });
    const ip = info?.NetworkSettings.Networks[naming.networkName()]?.IPAddress;
    if (!ip) throw new Error('could not find the warm container');
    const proxyToken = await containerProxyToken(docker, info!.Id);
    const bareRun = await measureBareRun({ baseUrl: `http://${ip}:8080`, iterations: ITERATIONS, ...(proxyToken !== undefined ? { proxyToken } : {}) });
    const kafka = await measureKafkaRoundTrip({ brokers: ['127.0.0.1:9092'], iterations: ITERATIONS });
    const nats = await measureNatsRoundTrip({ servers: '127.0.0.1:4222', iterations: ITERATIONS });
    const redis = await measureRedisRoundTrip({ url: 'redis://127.0.0.1:6379', iterations: ITERATIONS });

    const run = summarize(bareRun);
    const k = summarize(kafka);
    const n = summarize(nats);
    const floor = summarizeSums(bareRun, kafka, nats);
    process.stdout.write(`\nwarm blocking invoke, ${ITERATIONS} sequential calls after ${WARMUP} warm-up, one controller + one invoker\n`);
    printComparison([
      { name: 'wisp warm blocking invoke', value: summarize(wisp), floor, floorName: '/run + Kafka + NATS, per call' },
      { name: 'wisp warm blocking invoke', value: summarize(wisp), floor: run, floorName: 'bare /run into the same container' },
      { name: 'wisp warm web action (.json)', value: summarize(web), floor, floorName: '/run + Kafka + NATS, per call' },
      { name: 'wisp warm web action (.json)', value: summarize(web), floor: summarize(wisp), floorName: 'blocking invoke of the same action' },
      { name: 'wisp warm web action (.json)', value: summarize(web), floor: run, floorName: 'bare /run into the same container' },
      { name: 'raw Kafka produce->consume', value: k, floor: k, floorName: '(floor component)' },
      { name: 'raw NATS request/reply', value: n, floor: n, floorName: '(floor component)' },
      { name: 'raw Redis command', value: summarize(redis), floor: summarize(redis), floorName: '(floor component, not in sum)' },
    ]);
  } finally {
    agent.destroy();
    await Promise.all(processes.map((p) => p.stop()));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
