import { Agent, request } from 'node:http';
import Dockerode from 'dockerode';
import { runtimeImage } from '../../actions/runtime-image-names';
import { PROXY_TOKEN_ENV, PROXY_TOKEN_HEADER } from '../../common/protocol/runtime-protocol';
import { waitForPort } from '../../invoker/containers/wait-for-port';
import { percentile } from '../stats';

// Physical floors for the container path, with no Wisp invoker code in between: a bare HTTP
// round trip into an initialised runtime's /run, and Docker create + start + port ready.
// Benchmarks divide their own numbers by these, measured in the same run.
//
//   npx tsx bench/floors/container-run.ts [runIterations] [coldIterations]

const RUNTIME_PORT = 8080;

export interface BareRunOptions {
  /** An initialised runtime, e.g. `http://172.18.0.5:8080`. */
  readonly baseUrl: string;
  readonly iterations: number;
  /** Requests in flight at once; the action should be synchronous when above 1. */
  readonly concurrency?: number;
  readonly params?: unknown;
  /** Stop starting requests after this long, even when fewer than `iterations` ran (throughput runs). */
  readonly durationMs?: number;
  /** The container's proxy token, when an invoker made it (containerProxyToken). */
  readonly proxyToken?: string;
}

/**
 * The proxy token an invoker gave a container, read from its start environment as only a holder
 * of the Docker socket can: the floors measure an invoker's own containers from outside it.
 */
export async function containerProxyToken(docker: Dockerode, id: string): Promise<string | undefined> {
  const env = (await docker.getContainer(id).inspect()).Config.Env ?? [];
  const entry = env.find((e) => e.startsWith(`${PROXY_TOKEN_ENV}=`));
  return entry?.slice(PROXY_TOKEN_ENV.length + 1);
}

/** Milliseconds per POST /run round trip over keep-alive connections. */
export async function measureBareRun(options: BareRunOptions): Promise<number[]> {
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const body = Buffer.from(JSON.stringify({ value: options.params ?? {}, activation_id: '0'.repeat(32) }));
  const samples: number[] = [];
  let next = 0;
  const deadline = options.durationMs === undefined ? Infinity : performance.now() + options.durationMs;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < options.iterations && performance.now() < deadline) {
          next += 1;
          const started = performance.now();
          await postRun(options.baseUrl, body, agent, options.proxyToken);
          samples.push(performance.now() - started);
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return samples;
}

export interface DockerColdStartOptions {
  readonly docker: Dockerode;
  readonly image: string;
  readonly iterations: number;
  /** A network to join; the default bridge when absent. */
  readonly network?: string;
}

/** Milliseconds from create to the runtime accepting TCP, one container at a time. */
export async function measureDockerColdStart(options: DockerColdStartOptions): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < options.iterations; i += 1) {
    const started = performance.now();
    const container = await options.docker.createContainer({
      Image: options.image,
      HostConfig: { Memory: 256 * 1024 * 1024, MemorySwap: 256 * 1024 * 1024, ...(options.network ? { NetworkMode: options.network } : {}) },
    });
    try {
      await container.start();
      const address = await containerAddress(container, options.network);
      await waitForPort(address, RUNTIME_PORT, { timeoutMs: 10_000, intervalMs: 1 });
      samples.push(performance.now() - started);
    } finally {
      await container.remove({ force: true });
    }
  }
  return samples;
}

/** Milliseconds for one docker pause plus one unpause of a running container. */
export async function measureDockerPauseResume(container: Dockerode.Container, iterations: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const started = performance.now();
    await container.pause();
    await container.unpause();
    samples.push(performance.now() - started);
  }
  return samples;
}

async function containerAddress(container: Dockerode.Container, network: string | undefined): Promise<string> {
  const settings = (await container.inspect()).NetworkSettings;
  const address = network ? settings.Networks[network]?.IPAddress : settings.IPAddress;
  if (!address) throw new Error(`container ${container.id} has no address`);
  return address;
}

function postRun(baseUrl: string, body: Buffer, agent: Agent, proxyToken: string | undefined): Promise<void> {
  const token = proxyToken !== undefined ? { [PROXY_TOKEN_HEADER]: proxyToken } : {};
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}/run`,
      { method: 'POST', agent, headers: { ...token, 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`/run answered ${res.statusCode}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function postInit(baseUrl: string, code: string): Promise<void> {
  const body = Buffer.from(JSON.stringify({ value: { name: 'floor', main: 'main', binary: false, code } }));
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/init`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`/init answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function summary(label: string, samples: readonly number[]): string {
  const format = (ms: number) => `${ms.toFixed(3)} ms`;
  return `${label.padEnd(34)} n=${String(samples.length).padEnd(6)} p50=${format(percentile(samples, 50))}  p99=${format(percentile(samples, 99))}`;
}

async function main(argv: readonly string[]): Promise<void> {
  const runIterations = Number(argv[0] ?? 5000);
  const coldIterations = Number(argv[1] ?? 30);
  const docker = new Dockerode();
  const image = runtimeImage('nodejs');
  try {
    await docker.getImage(image).inspect();
  } catch {
    throw new Error(`${image} is missing: build it with 'npx tsx actions/build-images.ts'`);
  }
  const container = await docker.createContainer({ Image: image, HostConfig: { Memory: 256 * 1024 * 1024, MemorySwap: 256 * 1024 * 1024 } });
  try {
    await container.start();
    const baseUrl = `http://${await containerAddress(container, undefined)}:${RUNTIME_PORT}`;
    await waitForPort(new URL(baseUrl).hostname, RUNTIME_PORT, { timeoutMs: 10_000 });
    await postInit(baseUrl, 'function main(params) { return params; }');
    await measureBareRun({ baseUrl, iterations: Math.min(500, runIterations) }); // warm-up: JIT, connections
    process.stdout.write(`${summary('docker /run round trip (c=1)', await measureBareRun({ baseUrl, iterations: runIterations }))}\n`);
    process.stdout.write(`${summary('docker /run round trip (c=4)', await measureBareRun({ baseUrl, iterations: runIterations, concurrency: 4 }))}\n`);
    process.stdout.write(`${summary('docker pause + unpause', await measureDockerPauseResume(container, 50))}\n`);
  } finally {
    await container.remove({ force: true });
  }
  process.stdout.write(`${summary('docker create+start+port ready', await measureDockerColdStart({ docker, image, iterations: coldIterations }))}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
