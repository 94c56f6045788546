import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { openEmbeddedStores, type EmbeddedStores } from '../../common/adapters/embedded/embedded-stores';
import { createMemoryMessageBus } from '../../common/adapters/memory/memory-message-bus';
import { createMemorySignalBus } from '../../common/adapters/memory/memory-signal-bus';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { newTransactionId } from '../../common/ids';
import { silentLogger } from '../../common/logging/logger';
import { createNaming } from '../../common/naming';
import type { MessageBus } from '../../common/spi/message-bus';
import type { SignalBus } from '../../common/spi/signal-bus';
import { loadBuildConfig } from '../../actions/build-config';
import { buildRuntimeImage } from '../../actions/runtime-image';
import { loadControllerConfig } from '../../controller/config';
import { startController, type RunningController } from '../../controller/controller';
import { buildSkeletonImage } from '../fixtures/blackbox-skeleton/skeleton-image';
import { loadInvokerConfig } from '../../invoker/config';
import { DockerContainerFactory } from '../../invoker/containers/docker-container-factory';
import { statusCodeOf } from '../../invoker/containers/docker-container';
import { createInvoker } from '../../invoker/create-invoker';
import type { InvokerService } from '../../invoker/invoker-service';
import { TEST_MESSAGE_KEY_ENV } from '../harness/message-key';
import { DEV_KEYS_ENV } from '../harness/dev-keys';

// Python and blackbox actions in real Docker containers, through the real invoker path (the
// controller's API and Dispatcher, memory buses, embedded stores, DockerContainerFactory). The
// blackbox image is test/fixtures/blackbox-skeleton, built here (cached by content hash): a
// dockerskeleton-style proxy that shares no code with Wisp's runtimes.

jest.setTimeout(120_000);

const docker = new Dockerode();
const authHeader = `Basic ${Buffer.from(GUEST_AUTH).toString('base64')}`;
const prefix = `wisp-test-${newTransactionId().slice(0, 10)}`;
let skeleton: string;
let dir: string;
let stores: EmbeddedStores;
let bus: MessageBus;
let signals: SignalBus;
let controller: RunningController;
let invoker: InvokerService;

beforeAll(async () => {
  const build = loadBuildConfig(process.env);
  await buildRuntimeImage({ family: 'nodejs', docker });
  await buildRuntimeImage({ family: 'python', docker, cacheDir: build.cacheDir, debianMirror: build.debianMirror });
  skeleton = await buildSkeletonImage(docker, build);
  dir = mkdtempSync(join(tmpdir(), 'wisp-kinds-docker-'));
  stores = await openEmbeddedStores({ dataDir: dir, logger: silentLogger });
  bus = createMemoryMessageBus({ logger: silentLogger });
  signals = createMemorySignalBus({ logger: silentLogger });
  const naming = createNaming(prefix);
  const config = loadInvokerConfig({ ...TEST_MESSAGE_KEY_ENV, WISP_PREFIX: prefix, WISP_CONTAINER_FACTORY: 'docker', WISP_INVOKER_DRAIN_MS: '2000' });
  const factory = new DockerContainerFactory({ invokerId: config.invokerId, naming, logger: silentLogger, docker, images: config.runtimeImages, apiHostForContainers: 'http://api.example:3233' });
  invoker = createInvoker({ config, bus, signals, entities: stores.entities, activations: stores.activations, factory, logger: silentLogger });
  await invoker.start();
  controller = await startController({ config: loadControllerConfig({ ...TEST_MESSAGE_KEY_ENV, ...DEV_KEYS_ENV, WISP_CONTROLLER_PORT: '0', WISP_PREFIX: prefix }), logger: silentLogger, naming, bus, signals, entities: stores.entities, activations: stores.activations });
  await controller.registry.waitForHealthy(20_000);
}, 300_000);

afterAll(async () => {
  await controller?.stop();
  await invoker?.stop();
  await bus?.close();
  await signals?.close();
  await stores?.close();
  rmSync(dir, { recursive: true, force: true });
  try {
    await docker.getNetwork(createNaming(prefix).networkName()).remove();
  } catch (error) {
    if (statusCodeOf(error) !== 404) throw error;
  }
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${controller.url}/api/v1/namespaces/_${path}`, {
    method,
    headers: { Authorization: authHeader, 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function logsOf(id: string): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const got = await call('GET', `/activations/${id}/logs`);
    if (got.status === 200) return (got.body as { logs: string[] }).logs;
    if (Date.now() > deadline) throw new Error(`no record for ${id}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('python and blackbox actions in Docker containers', () => {
  it('runs python in the wisp-runtime-python image', async () => {
    expect((await call('PUT', '/actions/py', { exec: { kind: 'python:3.11', code: 'import sys\ndef main(p):\n    print("py in docker")\n    return {"version": sys.version_info[0], "host": __import__("os").environ.get("__OW_API_HOST")}\n' } })).status).toBe(200);
    const answer = await call('POST', '/actions/py?blocking=true', {});
    expect(answer.status).toBe(200);
    expect(answer.body.response.result).toEqual({ version: 3, host: 'http://api.example:3233' });
    expect((await logsOf(answer.body.activationId)).some((l) => l.endsWith('stdout: py in docker'))).toBe(true);
  });

  it("runs a blackbox image's own action when the action has no code", async () => {
    expect((await call('PUT', '/actions/bb', { exec: { kind: 'blackbox', image: skeleton } })).status).toBe(200);
    const answer = await call('POST', '/actions/bb?blocking=true', { name: 'wisp' });
    expect(answer.status).toBe(200);
    expect(answer.body.response.result).toEqual({ msg: 'Hello from the blackbox skeleton!', args: { name: 'wisp' } });
    expect(answer.body.annotations).toContainEqual({ key: 'kind', value: 'blackbox' });
    const logs = await logsOf(answer.body.activationId);
    expect(logs.some((l) => l.endsWith('stdout: skeleton says hello on stdout'))).toBe(true);
    expect(logs.some((l) => l.endsWith('stderr: skeleton says hello on stderr'))).toBe(true);
    expect(logs.some((l) => l.includes('XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX') || l.includes('issue while collecting'))).toBe(false);
  });

  it('hands a blackbox its code at /init, as the dockerskeleton expects', async () => {
    const code = '#!/bin/sh\necho "{\\"echo\\": $1, \\"ns\\": \\"$__OW_NAMESPACE\\"}"\n';
    expect((await call('PUT', '/actions/bb-code', { exec: { kind: 'blackbox', image: skeleton, code } })).status).toBe(200);
    const answer = await call('POST', '/actions/bb-code?blocking=true&result=true', { x: 1 });
    expect(answer).toEqual({ status: 200, body: { echo: { x: 1 }, ns: 'guest' } });
  });

  it('answers an image the engine does not have as OpenWhisk answers a failed pull', async () => {
    expect((await call('PUT', '/actions/bb-missing', { exec: { kind: 'blackbox', image: 'wisp-test-no-such-image:1' } })).status).toBe(200);
    const answer = await call('POST', '/actions/bb-missing?blocking=true', {});
    expect(answer.status).toBe(502);
    expect(answer.body.response).toMatchObject({ status: 'action developer error', result: { error: "Failed to pull container image 'wisp-test-no-such-image:1'." } });
  });

  it("records the CPU time and memory peak of an activation's run, read from the container's cgroup", async () => {
    const heavy = `function main(p) {
      const held = Buffer.alloc(48 * 1024 * 1024, 1);
      let x = 0; const until = process.cpuUsage().user + 150000; while (process.cpuUsage().user < until) x += Math.sqrt(x + 1);
      return { held: held.length, x: x > 0 };
    }`;
    expect((await call('PUT', '/actions/measured', { exec: { kind: 'nodejs:20', code: heavy } })).status).toBe(200);
    expect((await call('PUT', '/actions/light', { exec: { kind: 'nodejs:20', code: 'function main() { return {}; }' } })).status).toBe(200);
    const ran = await call('POST', '/actions/measured?blocking=true', {});
    expect(ran.status).toBe(200);
    const record = (await call('GET', `/activations/${ran.body.activationId}`)).body as { annotations: { key: string; value: unknown }[] };
    const figure = (r: typeof record, key: string) => r.annotations.find((a) => a.key === key)?.value as number | undefined;
    expect(figure(record, 'cpuTimeMs')).toBeGreaterThanOrEqual(100);
    expect(figure(record, 'memoryPeakMb')).toBeGreaterThanOrEqual(48);
    const light = await call('POST', '/actions/light?blocking=true', {});
    const lightRecord = (await call('GET', `/activations/${light.body.activationId}`)).body as typeof record;
    expect(figure(lightRecord, 'cpuTimeMs')).toBeLessThan(figure(record, 'cpuTimeMs')!);
    expect(figure(lightRecord, 'memoryPeakMb')).toBeLessThan(48);
  });

  it('runs a sequence across a blackbox, python and nodejs', async () => {
    expect((await call('PUT', '/actions/node-last', { exec: { kind: 'nodejs:20', code: 'function main(p) { return { last: p.version, msg: p.msg }; }' } })).status).toBe(200);
    expect((await call('PUT', '/actions/mixed', { exec: { kind: 'sequence', components: ['/_/bb', '/_/py', '/_/node-last'] } })).status).toBe(200);
    const answer = await call('POST', '/actions/mixed?blocking=true&result=true', { a: 1 });
    expect(answer).toEqual({ status: 200, body: { last: 3 } });
  });
});
