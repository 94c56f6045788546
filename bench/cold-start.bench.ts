import { Agent } from 'node:http';
import Dockerode from 'dockerode';
import { runtimeImage } from '../actions/runtime-image-names';
import { createNaming } from '../common/naming';
import { freePort } from '../test/harness/free-port';
import { eventually } from '../test/harness/eventually';
import { startProcess, waitForHealthyInvokers, type PlatformProcess } from '../test/harness/platform-process';
import { measureDockerColdStart } from './floors/container-run';
import { printComparison, summarize, type Summary } from './stats';
import { BENCH_PLATFORM_ENV, apiCall } from './api-call';

// Cold start through the distributed processes (controller + one docker invoker): each sample
// is a blocking invoke of an action never run before (a fresh name, so no warm container can
// serve it). Twice: an invoker with no stem cells, and, where the invoker supports prewarming,
// one with a nodejs stem cell ready (the bench waits for the refill between samples). Next to
// the floor measured in the same run: raw docker create + start + runtime port ready, on the
// invoker's own network, with the same image; and the same floor interleaved with the samples,
// beside the running platform and its containers.
//
//   bash deploy/stack.sh up && npx tsx bench/cold-start.bench.ts [samples=10]

// Below the 16 default-memory containers the default 4096 MB pool holds, so no sample pays for an eviction.
const SAMPLES = Number(process.argv[2] ?? 10);
const CODE = 'function main(){ return {}; }';

interface Sample {
  readonly endToEnd: number;
  readonly waitTime: number;
  readonly initTime: number;
  readonly duration: number;
}

function annotationNumber(record: { annotations?: { key: string; value: unknown }[] }, key: string): number {
  const value = record.annotations?.find((a) => a.key === key)?.value;
  return typeof value === 'number' ? value : Number.NaN;
}

async function coldInvokes(agent: Agent, apihost: string, label: string, beforeEach: (i: number) => Promise<void>): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    const url = `${apihost}/api/v1/namespaces/_/actions/cold-${label}-${i}`;
    const put = await apiCall(agent, url, 'PUT', JSON.stringify({ exec: { kind: 'nodejs:20', code: CODE } }));
    if (put.status !== 200) throw new Error(`creating the action failed: ${put.status} ${put.body}`);
    await beforeEach(i);
    const started = performance.now();
    const res = await apiCall(agent, `${url}?blocking=true`, 'POST', '{}');
    const endToEnd = performance.now() - started;
    if (res.status !== 200) throw new Error(`cold invoke answered ${res.status} ${res.body}`);
    const record = JSON.parse(res.body) as { duration: number; annotations?: { key: string; value: unknown }[] };
    samples.push({ endToEnd, waitTime: annotationNumber(record, 'waitTime'), initTime: annotationNumber(record, 'initTime'), duration: record.duration });
  }
  return samples;
}

interface Platform {
  readonly apihost: string;
  readonly prefix: string;
  readonly processes: PlatformProcess[];
}

async function startPlatform(label: string, invokerEnv: Record<string, string>): Promise<Platform> {
  const prefix = `bench-cold-${label}-${process.pid}`;
  const port = await freePort();
  const env = { ...BENCH_PLATFORM_ENV, WISP_PREFIX: prefix, WISP_LOG_LEVEL: 'warn', WISP_CONTROLLER_PORT: String(port) };
  const processes = [
    startProcess('invoker0', 'invoker/main.ts', { ...env, ...invokerEnv, WISP_INVOKER_ID: 'invoker0', WISP_CONTAINER_FACTORY: 'docker' }),
    startProcess('controller0', 'controller/main.ts', env),
  ];
  const apihost = `http://127.0.0.1:${port}`;
  try {
    await waitForHealthyInvokers(apihost, 1, processes, 90_000);
  } catch (err) {
    await Promise.all(processes.map((p) => p.stop()));
    throw err;
  }
  return { apihost, prefix, processes };
}

/** Whether this invoker knows about stem cells: its config names WISP_INVOKER_PREWARM_NODEJS. */
async function prewarmSupported(): Promise<boolean> {
  const { loadInvokerConfig } = await import('../invoker/config');
  let config: Record<string, unknown>;
  try {
    config = loadInvokerConfig({ WISP_INVOKER_PREWARM_NODEJS: '1', WISP_MESSAGE_KEY: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' }) as unknown as Record<string, unknown>;
  } catch {
    return false;
  }
  return typeof config.prewarm === 'object' && config.prewarm !== null && (config.prewarm as Record<string, unknown>).nodejs === 1;
}

async function main(): Promise<void> {
  const docker = new Dockerode();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const rows: { name: string; value: Summary; floor: Summary; floorName: string }[] = [];
  const notes: string[] = [];
  let network: string | undefined;
  const withPrewarm = await prewarmSupported();
  const besideSamples: number[] = [];

  // Without stem cells (the setting an invoker without the feature ignores).
  const bare = await startPlatform('none', { WISP_INVOKER_PREWARM_NODEJS: '0' });
  let cold: Sample[];
  try {
    network = createNaming(bare.prefix).networkName();
    // Interleaved with the samples: raw docker beside the platform and the containers it keeps
    // (Docker's start slows with every container on a bridge), under the same load.
    cold = await coldInvokes(agent, bare.apihost, 'none', async () => {
      besideSamples.push(...(await measureDockerColdStart({ docker, image: runtimeImage('nodejs'), iterations: 1, network })));
    });
  } finally {
    await Promise.all(bare.processes.map((p) => p.stop()));
  }

  let prewarmed: Sample[] | undefined;
  if (withPrewarm) {
    const platform = await startPlatform('stem', { WISP_INVOKER_PREWARM_NODEJS: '1' });
    try {
      const naming = createNaming(platform.prefix);
      const count = async () => (await docker.listContainers({ filters: { label: [`${naming.containerLabelKey}=${platform.prefix}`] } })).length;
      prewarmed = await coldInvokes(agent, platform.apihost, 'stem', async (i) => {
        // Sample i has i action containers before it, plus the refilled stem cell; then a moment for it to become ready.
        await eventually(async () => ((await count()) >= i + 1 ? true : undefined), 30_000, 50);
        await new Promise((resolve) => setTimeout(resolve, 1500));
      });
    } finally {
      await Promise.all(platform.processes.map((p) => p.stop()));
    }
  } else {
    notes.push('prewarmed stem cells: not available (invoker/config.ts has no WISP_INVOKER_PREWARM_NODEJS)');
  }

  // The floor, after the platforms are gone, on a network like theirs (the invoker leaves its network behind).
  const networks = await docker.listNetworks({ filters: { name: [network] } });
  const floor = summarize(
    await measureDockerColdStart({ docker, image: runtimeImage('nodejs'), iterations: SAMPLES, ...(networks.length > 0 ? { network } : {}) }),
  );
  agent.destroy();

  const add = (name: string, samples: readonly Sample[]) => {
    rows.push({ name: `${name}: end to end`, value: summarize(samples.map((s) => s.endToEnd)), floor, floorName: 'raw docker create+start+port ready' });
    rows.push({ name: `${name}: waitTime`, value: summarize(samples.map((s) => s.waitTime)), floor, floorName: '(accepted → /init; creation included)' });
    rows.push({ name: `${name}: initTime`, value: summarize(samples.map((s) => s.initTime)), floor, floorName: '(the /init call)' });
    rows.push({ name: `${name}: duration`, value: summarize(samples.map((s) => s.duration)), floor, floorName: '(/init + /run)' });
  };
  add('cold, no stem cell', cold);
  rows.push({
    name: 'cold, no stem cell: end to end',
    value: summarize(cold.map((s) => s.endToEnd)),
    floor: summarize(besideSamples),
    floorName: 'raw docker, interleaved beside platform',
  });
  if (prewarmed) add('cold, nodejs stem cell', prewarmed);
  process.stdout.write(`\ncold start of a fresh no-op nodejs action, ${SAMPLES} blocking invokes each, one controller + one docker invoker\n`);
  printComparison(rows);
  process.stdout.write(`${notes.map((n) => `${n}\n`).join('')}targets: no stem cell within 1.3x of raw docker; with a stem cell under 1/3 of it (x p50 < 0.33)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
