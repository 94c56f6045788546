import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Dockerode from 'dockerode';
import { silentLogger } from '../../common/logging/logger';
import { createNaming, type Naming } from '../../common/naming';
import { PROXY_TOKEN_HEADER } from '../../common/protocol/runtime-protocol';
import { loadBuildConfig } from '../../actions/build-config';
import { buildRuntimeImage, runtimeImage } from '../../actions/runtime-image';
import { describeContainerFactoryContract } from '../../test/contracts/container-factory.contract';
import { DockerContainerFactory } from './docker-container-factory';
import { cpuShares } from './docker-create-options';
import { statusCodeOf } from './docker-container';
import { ICC_OPTION } from './action-network';
import { REACH_SOURCE } from '../../test/harness/reach-probe';

// Against the real Docker engine and the real runtime image (built here if it is missing or
// stale, exactly as `npx tsx actions/build-images.ts` builds it).

const docker = new Dockerode();
const image = runtimeImage('nodejs');
const pythonImage = runtimeImage('python');

beforeAll(async () => {
  await buildRuntimeImage({ family: 'nodejs', docker });
  const { cacheDir, debianMirror } = loadBuildConfig(process.env);
  await buildRuntimeImage({ family: 'python', docker, cacheDir, debianMirror });
}, 300_000);

async function countOwned(naming: Naming, invokerId: string): Promise<number> {
  const labels = Object.entries(naming.containerLabels(invokerId)).map(([key, value]) => `${key}=${value}`);
  return (await docker.listContainers({ all: true, filters: { label: labels } })).length;
}

async function removeNetwork(naming: Naming): Promise<void> {
  try {
    await docker.getNetwork(naming.networkName()).remove();
  } catch (error) {
    if (statusCodeOf(error) !== 404) throw error;
  }
}

describeContainerFactoryContract(
  'docker',
  ({ invokerId, naming }) => new DockerContainerFactory({ invokerId, naming, logger: silentLogger, docker, images: { nodejs: image, python: pythonImage } }),
  { enforcesMemory: true, reportsOom: true, canPause: true },
  { image, pythonImage, countOwned, cleanup: removeNetwork },
);

describe('DockerContainerFactory specifics', () => {
  const naming = createNaming(`wisp-test-${randomBytes(4).toString('hex')}`);
  const factory = new DockerContainerFactory({
    invokerId: 'invoker0',
    naming,
    logger: silentLogger,
    docker,
    images: { nodejs: image },
    apiHostForContainers: 'http://controller.example:3233',
    userMemoryMb: 2048,
  });

  beforeAll(() => factory.init(), 60_000);
  afterAll(async () => {
    await factory.close();
    await removeNetwork(naming);
  }, 60_000);

  it('creates the project network, labelled with the prefix, with inter-container traffic off', async () => {
    const network = await docker.getNetwork(naming.networkName()).inspect();
    expect(network.Driver).toBe('bridge');
    expect(network.Labels).toEqual({ [naming.containerLabelKey]: naming.prefix });
    expect(network.Options).toMatchObject({ [ICC_OPTION]: 'false' });
  });

  it('makes an unused network that lets containers reach each other again, and refuses one in use', async () => {
    const old = createNaming(`wisp-test-${randomBytes(4).toString('hex')}`);
    await docker.createNetwork({ Name: old.networkName(), Driver: 'bridge', Labels: { [old.containerLabelKey]: old.prefix } });
    const remade = new DockerContainerFactory({ invokerId: 'invoker0', naming: old, logger: silentLogger, docker, images: { nodejs: image } });
    try {
      await remade.init();
      expect((await docker.getNetwork(old.networkName()).inspect()).Options).toMatchObject({ [ICC_OPTION]: 'false' });
    } finally {
      await remade.close();
      await removeNetwork(old);
    }
    const busy = createNaming(`wisp-test-${randomBytes(4).toString('hex')}`);
    await docker.createNetwork({ Name: busy.networkName(), Driver: 'bridge' });
    const squatter = await docker.createContainer({ Image: image, name: `${busy.prefix}-squatter`, HostConfig: { NetworkMode: busy.networkName() } });
    try {
      await squatter.start();
      const refused = new DockerContainerFactory({ invokerId: 'invoker0', naming: busy, logger: silentLogger, docker, images: { nodejs: image } });
      await expect(refused.init()).rejects.toThrow(/lets containers reach each other .* and containers still use it/);
    } finally {
      await squatter.remove({ force: true });
      await removeNetwork(busy);
    }
  }, 60_000);

  it('confines the action: nobody, no capabilities, a read-only root, a bounded /tmp, and no other container reachable', async () => {
    const victim = await factory.create({ name: naming.containerName('invoker0', 'victim'), family: 'nodejs', image, memoryMb: 128, env: {}, labels: {} });
    const prober = await factory.create({ name: naming.containerName('invoker0', 'prober'), family: 'nodejs', image, memoryMb: 128, env: {}, labels: {} });
    try {
      const victimAddress = new URL(victim.baseUrl).hostname;
      const code = `${REACH_SOURCE}
        const fs = require('fs');
        function tryWrite(path, bytes) {
          try { fs.writeFileSync(path, Buffer.alloc(bytes)); return 'written'; } catch (e) { return e.code; } finally { try { fs.unlinkSync(path); } catch {} }
        }
        async function main(p) {
          const status = fs.readFileSync('/proc/self/status', 'utf8');
          return {
            uid: process.getuid(), gid: process.getgid(),
            capEff: /CapEff:\\s*(\\w+)/.exec(status)[1],
            noNewPrivs: /NoNewPrivs:\\s*(\\d)/.exec(status)[1],
            root: tryWrite('/runtime/evil', 1),
            tmpSmall: tryWrite('/tmp/small', 1024),
            tmpHuge: tryWrite('/tmp/huge', 80 * 1024 * 1024),
            victim: await reach(p.victim, 8080),
          };
        }`;
      const post = (path: string, body: unknown) => fetch(`${prober.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', [PROXY_TOKEN_HEADER]: prober.proxyToken }, body: JSON.stringify(body) });
      expect((await post('/init', { value: { name: 'prober', main: 'main', binary: false, code } })).status).toBe(200);
      const result = await (await post('/run', { value: { victim: victimAddress } })).json();
      expect(result).toEqual({ uid: 65534, gid: 65534, capEff: '0000000000000000', noNewPrivs: '1', root: 'EROFS', tmpSmall: 'written', tmpHuge: 'ENOSPC', victim: 'timeout' });
      // The invoker, on the host, still reaches both.
      expect(await fetch(`${victim.baseUrl}/`).then(() => true, () => false)).toBe(true);
    } finally {
      await Promise.all([victim.destroy(), prober.destroy()]);
    }
  }, 60_000);

  it("runs containers with OpenWhisk's limits and flags, the labels and the API host", async () => {
    const name = naming.containerName('invoker0', 'flags');
    const container = await factory.create({ name, family: 'nodejs', image, memoryMb: 256, env: { EXTRA: '1' }, labels: { 'org.example.action': 'hello' } });
    const info = await docker.getContainer(container.id).inspect();
    expect(info.Name).toBe(`/${name}`);
    expect(info.Config.Labels).toMatchObject({ ...naming.containerLabels('invoker0'), 'org.example.action': 'hello' });
    expect(info.Config.Env).toEqual(expect.arrayContaining(['__OW_API_HOST=http://controller.example:3233', 'EXTRA=1']));
    expect(info.Config.User).toBe('65534:65534');
    expect(info.HostConfig).toMatchObject({
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
      CpuShares: 128,
      NanoCpus: 1e9,
      PidsLimit: 256,
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['ALL'],
      Privileged: false,
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=64m,mode=1777' },
      Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 1024 }],
      // By id: the name alone is ambiguous while two invokers' racing creates both exist.
      NetworkMode: (await docker.getNetwork(naming.networkName()).inspect()).Id,
      LogConfig: { Type: 'json-file' },
    });
    expect(container.baseUrl).toBe(`http://${info.NetworkSettings.Networks[naming.networkName()]?.IPAddress}:8080`);
    await container.destroy();
  }, 60_000);

  it('relays a loopback API host from the network gateway, so actions can call the API', async () => {
    const api = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url, auth: req.headers.authorization ?? null }));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const port = (api.address() as AddressInfo).port;
    const relayed = createNaming(`wisp-test-${randomBytes(4).toString('hex')}`);
    const relaying = new DockerContainerFactory({ invokerId: 'invoker0', naming: relayed, logger: silentLogger, docker, images: { nodejs: image }, apiHostForContainers: `http://127.0.0.1:${port}` });
    try {
      await relaying.init();
      const container = await relaying.create({ name: relayed.containerName('invoker0', 'caller'), family: 'nodejs', image, memoryMb: 128, env: {}, labels: {} });
      const gateway = (await docker.getNetwork(relayed.networkName()).inspect()).IPAM?.Config?.[0]?.Gateway as string;
      const code = `async function main() {
        const host = process.env.__OW_API_HOST;
        const answer = await fetch(host + '/api/v1/namespaces', { headers: { authorization: 'Basic abc' } });
        return { host, answer: await answer.json() };
      }`;
      const post = (path: string, body: unknown) => fetch(`${container.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', [PROXY_TOKEN_HEADER]: container.proxyToken }, body: JSON.stringify(body) });
      expect((await post('/init', { value: { name: 'caller', main: 'main', binary: false, code } })).status).toBe(200);
      const run = await post('/run', { value: {} });
      const result = (await run.json()) as { host: string; answer: unknown };
      expect(result.host).toMatch(new RegExp(`^http://${gateway.replace(/\./g, '\\.')}:\\d+$`));
      expect(result.answer).toEqual({ path: '/api/v1/namespaces', auth: 'Basic abc' });
      await container.destroy();
    } finally {
      await relaying.close();
      await removeNetwork(relayed);
      await new Promise((resolve) => api.close(resolve));
    }
  }, 60_000);

  it('makes the network again when another invoker removed it while this one was idle, and moves the relay', async () => {
    const api = createServer((_req, res) => res.end('"reached"'));
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const shared = createNaming(`wisp-test-${randomBytes(4).toString('hex')}`);
    const idle = new DockerContainerFactory({ invokerId: 'invoker0', naming: shared, logger: silentLogger, docker, images: { nodejs: image }, apiHostForContainers: `http://127.0.0.1:${(api.address() as AddressInfo).port}` });
    try {
      await idle.init();
      // What the last other invoker out does: remove the network nothing is attached to.
      await docker.getNetwork(shared.networkName()).remove();
      const container = await idle.create({ name: shared.containerName('invoker0', 'after'), family: 'nodejs', image, memoryMb: 128, env: {}, labels: {} });
      const code = 'async function main() { return { answer: await (await fetch(process.env.__OW_API_HOST)).json() }; }';
      const post = (path: string, body: unknown) => fetch(`${container.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', [PROXY_TOKEN_HEADER]: container.proxyToken }, body: JSON.stringify(body) });
      expect((await post('/init', { value: { name: 'after', main: 'main', binary: false, code } })).status).toBe(200);
      expect(await (await post('/run', { value: {} })).json()).toEqual({ answer: 'reached' });
      await container.destroy();
    } finally {
      await idle.close();
      await removeNetwork(shared);
      await new Promise((resolve) => api.close(resolve));
    }
  }, 60_000);

  it('settles invokers that start at once on one network and removes the duplicates', async () => {
    const racing = createNaming(`wisp-test-${randomBytes(4).toString('hex')}`);
    const factories = Array.from({ length: 4 }, (_, n) => new DockerContainerFactory({ invokerId: `invoker${n}`, naming: racing, logger: silentLogger, docker, images: { nodejs: image } }));
    try {
      await Promise.all(factories.map((f) => f.init()));
      const named = (await docker.listNetworks({ filters: { name: [racing.networkName()] } })).filter((n) => n.Name === racing.networkName());
      expect(named).toHaveLength(1);
      const containers = await Promise.all(factories.map((f, n) => f.create({ name: racing.containerName(`invoker${n}`, `racer${n}`), family: 'nodejs', image, memoryMb: 128, env: {}, labels: {} })));
      for (const container of containers) expect(await fetch(`${container.baseUrl}/`).then(() => true, () => false)).toBe(true);
      await Promise.all(containers.map((c) => c.destroy()));
    } finally {
      await Promise.all(factories.map((f) => f.close()));
      await removeNetwork(racing);
    }
  }, 120_000);

  it('refuses to start without the runtime image, naming it and the command that builds it', async () => {
    const missing = new DockerContainerFactory({ invokerId: 'invoker9', naming, logger: silentLogger, docker, images: { nodejs: 'wisp-runtime-nodejs:does-not-exist' } });
    await expect(missing.init()).rejects.toThrow("runtime image 'wisp-runtime-nodejs:does-not-exist' (nodejs) is not in the local Docker engine; build it with 'npx tsx actions/build-images.ts'");
  });

  it('sizes CPU shares in proportion to memory, never below 2', () => {
    expect(cpuShares(256, 4096)).toBe(64);
    expect(cpuShares(4096, 4096)).toBe(1024);
    expect(cpuShares(1, 4096)).toBe(2);
  });
});
