import { Agent } from 'node:http';
import Dockerode from 'dockerode';
import { connect } from 'nats';
import { createNaming } from '../common/naming';
import { freePort } from '../test/harness/free-port';
import { eventually } from '../test/harness/eventually';
import { startProcess, waitForHealthyInvokers, type PlatformProcess } from '../test/harness/platform-process';
import { containerProxyToken, measureBareRun } from './floors/container-run';
import { BENCH_PLATFORM_ENV, NO_STEM_CELLS, apiCall } from './api-call';

// Non-blocking throughput of a no-op action through the distributed processes (HTTP → controller
// → Kafka → one docker invoker → container /run → Redis record → NATS ack), counted as completed
// activations: an ack is published only after the record is stored (DESIGN.md §3), so every ack
// seen on the controller's completion subject is one stored record. Next to it, the floor
// measured in the same run: direct POST /run throughput into the very containers the invoker
// warmed, at the same concurrency.
//
// The invoker runs one activation per container at a time (unless the action allows more), so C
// requests in flight need C containers; the floor therefore drives C containers with one request
// in flight each — the same shape of work, with no Wisp code in between.
//
//   bash deploy/stack.sh up && npx tsx bench/throughput.bench.ts [concurrency=8] [seconds=30]

const CONCURRENCY = Number(process.argv[2] ?? 8);
const SECONDS = Number(process.argv[3] ?? 30);
const WARMUP_MS = 3000;

/**
 * At most C activations outstanding (accepted, no ack yet): a 202 comes back before the action
 * runs, so callers that only waited for it would pile up a backlog until the namespace's
 * concurrency throttle refused them, and the invoker would grow more containers than C.
 */
class Outstanding {
  private free = CONCURRENCY;
  private readonly waiting: Array<() => void> = [];

  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}

/** C callers issuing non-blocking invokes, each after an outstanding slot frees, until `ms` passed; returns how many were accepted. */
async function drive(agent: Agent, url: string, ms: number, slots: Outstanding): Promise<number> {
  const deadline = performance.now() + ms;
  let accepted = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        await slots.acquire();
        const res = await apiCall(agent, url, 'POST', '{}');
        if (res.status !== 202) throw new Error(`non-blocking invoke answered ${res.status} ${res.body}`);
        accepted += 1;
      }
    }),
  );
  return accepted;
}

async function main(): Promise<void> {
  const prefix = `bench-tp-${process.pid}`;
  const naming = createNaming(prefix);
  const port = await freePort();
  const apihost = `http://127.0.0.1:${port}`;
  const controllerId = 'controller0';
  // The default 6000 invokes a minute would end a 30 s run early; the bench measures the path, not the throttle.
  const env = {
    ...BENCH_PLATFORM_ENV,
    WISP_PREFIX: prefix,
    WISP_LOG_LEVEL: 'warn',
    WISP_CONTROLLER_PORT: String(port),
    WISP_CONTROLLER_ID: controllerId,
    WISP_INVOCATIONS_PER_MINUTE: String(10_000_000),
  };
  const processes: PlatformProcess[] = [
    startProcess('invoker0', 'invoker/main.ts', { ...env, WISP_INVOKER_ID: 'invoker0', WISP_CONTAINER_FACTORY: 'docker', ...NO_STEM_CELLS }),
    startProcess('controller0', 'controller/main.ts', env),
  ];
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const nc = await connect({ servers: '127.0.0.1:4222', name: prefix });
  let completed = 0;
  // Every ack counts once the measured window has opened; warm-up acks do not.
  let counting = false;
  const slots = new Outstanding();
  nc.subscribe(naming.completionSubject(controllerId), {
    callback: () => {
      slots.release();
      if (counting) completed += 1;
    },
  });
  await nc.flush();
  try {
    await waitForHealthyInvokers(apihost, 1, processes, 90_000);
    const actionUrl = `${apihost}/api/v1/namespaces/_/actions/noop`;
    const put = await apiCall(agent, `${actionUrl}?overwrite=true`, 'PUT', JSON.stringify({ exec: { kind: 'nodejs:20', code: 'function main(){ return {}; }' } }));
    if (put.status !== 200) throw new Error(`creating the action failed: ${put.status} ${put.body}`);

    // C blocking invokes at once make the invoker create C containers; then a warm-up at full load.
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        await slots.acquire();
        const res = await apiCall(agent, `${actionUrl}?blocking=true`, 'POST', '{}');
        if (res.status !== 200) throw new Error(`warm-up invoke answered ${res.status} ${res.body}`);
      }),
    );
    await drive(agent, actionUrl, WARMUP_MS, slots);
    // Let the warm-up backlog finish before the window opens, so it is not counted in it.
    await new Promise((resolve) => setTimeout(resolve, 2000));

    counting = true;
    const started = performance.now();
    const accepted = await drive(agent, actionUrl, SECONDS * 1000, slots);
    const windowMs = performance.now() - started;
    const completedInWindow = completed;
    // Every accepted activation must end with a record; wait for the backlog to drain.
    const drainStarted = performance.now();
    await eventually(async () => (completed >= accepted ? true : undefined), 120_000, 50).catch(() => undefined);
    const drainMs = performance.now() - drainStarted;
    const completedTotal = completed;

    const docker = new Dockerode();
    const containers = await docker.listContainers({ filters: { label: [`${naming.containerLabelKey}=${prefix}`] } });
    const urls = (
      await Promise.all(
        containers.map(async (c) => {
          const ip = c.NetworkSettings.Networks[naming.networkName()]?.IPAddress;
          return ip ? [{ baseUrl: `http://${ip}:8080`, proxyToken: await containerProxyToken(docker, c.Id) }] : [];
        }),
      )
    ).flat();
    if (urls.length === 0) throw new Error('could not find the warm containers');
    // C requests in flight spread over the containers there are (one each when the invoker made C).
    const floorStarted = performance.now();
    const floorSamples = await Promise.all(
      urls.map(({ baseUrl, proxyToken }, i) => {
        const share = Math.floor(CONCURRENCY / urls.length) + (i < CONCURRENCY % urls.length ? 1 : 0);
        const token = proxyToken !== undefined ? { proxyToken } : {};
        return share === 0 ? Promise.resolve([]) : measureBareRun({ baseUrl, iterations: Number.MAX_SAFE_INTEGER, concurrency: share, durationMs: SECONDS * 1000, ...token });
      }),
    );
    const floorMs = performance.now() - floorStarted;
    const floorCount = floorSamples.reduce((sum, s) => sum + s.length, 0);

    const wispRate = (completedInWindow / windowMs) * 1000;
    const acceptRate = (accepted / windowMs) * 1000;
    const floorRate = (floorCount / floorMs) * 1000;
    const row = (name: string, value: string, floor: string, ratio: string) =>
      `${name.padEnd(44)} ${value.padStart(12)} | ${floor.padStart(12)} | ${ratio.padStart(8)}`;
    process.stdout.write(
      [
        '',
        `non-blocking throughput of a no-op nodejs action, concurrency ${CONCURRENCY}, ${SECONDS} s window, one controller + one docker invoker`,
        `floor: direct POST /run into the invoker's ${urls.length} warm container(s), ${CONCURRENCY} requests in flight spread over them` +
          ' (the invoker runs one activation per container at a time), same duration',
        row('figure', 'per second', 'floor /s', 'floor÷x'),
        row('completed activations (acks after records)', wispRate.toFixed(1), floorRate.toFixed(1), (floorRate / wispRate).toFixed(2)),
        row('accepted invokes (202)', acceptRate.toFixed(1), floorRate.toFixed(1), (floorRate / acceptRate).toFixed(2)),
        `accepted ${accepted}, completed in window ${completedInWindow}, completed after drain ${completedTotal} (${(drainMs / 1000).toFixed(1)} s to drain)` +
          (completedTotal < accepted ? `  — ${accepted - completedTotal} NOT COMPLETED` : ''),
        '',
      ].join('\n'),
    );
  } finally {
    agent.destroy();
    await nc.close();
    await Promise.all(processes.map((p) => p.stop()));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
