import { connect } from 'node:net';
import Dockerode from 'dockerode';
import openwhisk from 'openwhisk';
import { buildRuntimeImage } from '../../actions/runtime-image';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { createNaming } from '../../common/naming';
import { PROXY_TOKEN_HEADER } from '../../common/protocol/runtime-protocol';
import { AUTH_LINE, runAdmin } from '../harness/admin-process';
import { eventually } from '../harness/eventually';
import { REACH_SOURCE } from '../harness/reach-probe';
import { requestJson } from '../harness/runtime-proxy';
import { startDistributedPlatform, type DistributedPlatform } from '../harness/platforms';

// Issue #9 "containers", on the distributed platform with real Docker and two namespaces: a
// hostile action reaches no other tenant's container (warm or stem cell) and no Docker socket,
// yet still reaches the API; a host process that reaches a container's runtime cannot /init or
// /run it without the container's proxy token; a fork bomb, a disk filler and a memory hog each hit their limit and
// end as an activation status; the invoker keeps serving the other tenant throughout.

jest.setTimeout(300_000);

type Activation = { activationId: string; response: { status: string; success: boolean; result: Record<string, unknown> } };

const SPY = `${REACH_SOURCE}
const fs = require('fs'); const os = require('os');
async function main({ targets }) {
  const mine = Object.values(os.networkInterfaces()).flat().map((i) => i.address);
  const reached = {};
  for (const target of targets.filter((t) => !mine.includes(t))) reached[target] = await reach(target, 8080);
  const api = await fetch(process.env.__OW_API_HOST + '/api/v1').then((r) => r.status, (e) => String(e));
  return { reached, api, dockerSocket: fs.existsSync('/var/run/docker.sock'), uid: process.getuid() };
}`;

const FORK_BOMB = `const { spawn } = require('child_process');
async function main() {
  const children = [];
  let code = null;
  while (children.length < 2000 && code === null) {
    try {
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      code = await new Promise((resolve) => { child.once('spawn', () => resolve(null)); child.once('error', (e) => resolve(e.code)); });
      if (code === null) children.push(child);
    } catch (e) { code = e.code; }
  }
  for (const child of children) child.kill('SIGKILL');
  return { spawned: children.length, code };
}`;

const DISK_FILLER = `const fs = require('fs');
function fill(path) {
  let mb = 0;
  try { for (;;) { fs.appendFileSync(path, Buffer.alloc(1 << 20, 1)); mb++; } } catch (e) { return { mb, code: e.code }; }
}
function main() { const tmp = fill('/tmp/fill'); fs.rmSync('/tmp/fill', { force: true }); return { tmp, root: fill('/runtime/fill') }; }`;

const MEMORY_HOG = 'function main() { const held = []; for (;;) held.push(Buffer.alloc(8 << 20, 1)); }';

describe('tenant containers on the distributed platform', () => {
  const prefix = `e2e-containers-${process.pid}-${Date.now().toString(36)}`;
  const naming = createNaming(prefix);
  const docker = new Dockerode();
  // Warm containers stay unpaused, so the spy's targets really listen; small limits keep the hostile actions quick.
  const env = { WISP_INVOKER_PAUSE_GRACE_MS: '600000', WISP_CONTAINER_PIDS_LIMIT: '64', WISP_CONTAINER_TMPFS_MB: '16' };
  let platform: DistributedPlatform | undefined;
  let mallory: ReturnType<typeof openwhisk>;
  let guest: ReturnType<typeof openwhisk>;

  beforeAll(async () => {
    // The runtime image from this tree's proxy (cached by content hash): the token checks are the proxy's.
    await buildRuntimeImage({ family: 'nodejs', docker });
    platform = await startDistributedPlatform({ prefix, env: { ...env } });
    const created = await runAdmin(['user', 'create', `${prefix}-mallory`], { WISP_PREFIX: prefix });
    if (created.code !== 0) throw new Error(`wisp-admin exited ${created.code}: ${created.stderr}`);
    expect(created.stdout).toMatch(AUTH_LINE);
    mallory = openwhisk({ apihost: platform.apihost, api_key: created.stdout.trim() });
    guest = openwhisk({ apihost: platform.apihost, api_key: GUEST_AUTH });
    await guest.actions.create({ name: `${prefix}-victim`, action: { exec: { kind: 'nodejs:20', code: 'function main(p) { return { served: true, p }; }' } } });
  });

  afterAll(() => platform?.stop());

  /** Invokes without blocking (a failed activation is data here, not a thrown error) and waits for its record. */
  const run = async (client: ReturnType<typeof openwhisk>, name: string, params: Record<string, unknown> = {}): Promise<Activation> => {
    const { activationId } = await client.actions.invoke({ name, params });
    return eventually(() => client.activations.get({ name: activationId }).then((a) => a as unknown as Activation, () => undefined), 120_000, 200);
  };
  const victimServes = async () => {
    const served = await run(guest, `${prefix}-victim`, { n: 1 });
    expect(served.response).toMatchObject({ status: 'success', result: { served: true } });
  };
  const containers = async (): Promise<{ id: string; name: string; address: string }[]> => {
    const found = await docker.listContainers({ filters: { label: [`${naming.containerLabelKey}=${prefix}`] } });
    return found
      .map((c) => ({ id: c.Id, name: c.Names[0] ?? '', address: c.NetworkSettings.Networks[naming.networkName()]?.IPAddress ?? '' }))
      .filter((c) => c.address !== '');
  };
  const containerAddresses = async (): Promise<string[]> => (await containers()).map((c) => c.address);
  const isStemCell = (name: string) => name.includes('_prewarm_');
  const listens = (host: string) =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host, port: 8080, timeout: 1500 });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('timeout', () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(false));
    });

  it("reaches no other tenant's container, warm or stem cell, nor the Docker socket, but still the API", async () => {
    await victimServes();
    await mallory.actions.create({ name: 'spy', action: { exec: { kind: 'nodejs:20', code: SPY } } });
    // The spy's own container must exist before the targets are listed, so a fresh stem cell is among them too.
    await run(mallory, 'spy', { targets: [] });
    // Every target listens: the host reaches each one. A stem cell just made runs before its
    // runtime accepts connections, so the list is taken once all of them do.
    const targets = await eventually(async () => {
      const addresses = await containerAddresses();
      if (addresses.length < 3) return undefined;
      return (await Promise.all(addresses.map(listens))).every(Boolean) ? addresses : undefined;
    }, 60_000);
    for (const target of targets) expect(await listens(target)).toBe(true);
    const spied = await run(mallory, 'spy', { targets });
    expect(spied.response.status).toBe('success');
    const result = spied.response.result as { reached: Record<string, string>; api: unknown; dockerSocket: boolean; uid: number };
    expect(Object.keys(result.reached).length).toBeGreaterThanOrEqual(2);
    for (const outcome of Object.values(result.reached)) expect(outcome).not.toBe('connected');
    expect(result).toMatchObject({ api: 200, dockerSocket: false, uid: 65534 });
    await victimServes();
  });

  it('lets no host process /init or /run a warm container or a stem cell without its proxy token', async () => {
    await victimServes();
    // A warm container (the victim's) and a stem cell, each accepting connections.
    const targets = await eventually(async () => {
      const found = await containers();
      if (!found.some((c) => isStemCell(c.name)) || !found.some((c) => !isStemCell(c.name))) return undefined;
      return (await Promise.all(found.map((c) => listens(c.address)))).every(Boolean) ? found : undefined;
    }, 60_000);
    const stemCell = targets.find((c) => isStemCell(c.name))!;
    const hostile = { value: { name: 'hostile', main: 'main', binary: false, code: 'function main() { return { pwned: true }; }' } };
    const refused = { status: 403, body: { error: 'Missing or wrong proxy token.' } };
    for (const target of targets) {
      const url = `http://${target.address}:8080`;
      // Without a token, or with a guessed one: refused before anything runs (a stem cell is not initialised by it).
      expect(await requestJson(url, '/init', hostile)).toEqual(refused);
      expect(await requestJson(url, '/init', hostile, undefined, 'POST', { [PROXY_TOKEN_HEADER]: 'guessed' })).toEqual(refused);
      expect(await requestJson(url, '/run', { value: { n: 1 }, api_key: 'stolen' })).toEqual(refused);
      expect(await requestJson(url, '/run', { value: {} }, undefined, 'POST', { [PROXY_TOKEN_HEADER]: 'guessed' })).toEqual(refused);
    }
    // The platform's own invokes still work: the victim's warm container serves its own code...
    await victimServes();
    // ...and a cold start takes the stem cell the host tried to /init, then a fresh one refills it.
    await guest.actions.create({ name: `${prefix}-fresh`, action: { exec: { kind: 'nodejs:20', code: 'function main() { return { fresh: true }; }' } } });
    const fresh = await run(guest, `${prefix}-fresh`);
    expect(fresh.response).toMatchObject({ status: 'success', result: { fresh: true } });
    await eventually(async () => ((await containers()).some((c) => isStemCell(c.name) && c.id !== stemCell.id) ? true : undefined), 60_000);
  });

  it('stops a fork bomb at the pids limit', async () => {
    await mallory.actions.create({ name: 'fork-bomb', action: { exec: { kind: 'nodejs:20', code: FORK_BOMB }, limits: { memory: 512, timeout: 60_000 } } });
    const bomb = await run(mallory, 'fork-bomb');
    // Each node child holds several threads, and threads count: the bomb meets EAGAIN well before 64 children.
    expect(bomb.response).toMatchObject({ status: 'success', result: { code: 'EAGAIN' } });
    expect(bomb.response.result.spawned as number).toBeLessThan(64);
    await victimServes();
  });

  it('stops a disk filler at the bounded /tmp, and the root filesystem takes nothing', async () => {
    await mallory.actions.create({ name: 'disk-filler', action: { exec: { kind: 'nodejs:20', code: DISK_FILLER }, limits: { memory: 256 } } });
    const filled = await run(mallory, 'disk-filler');
    expect(filled.response).toMatchObject({ status: 'success', result: { tmp: { code: 'ENOSPC' }, root: { mb: 0, code: 'EROFS' } } });
    expect((filled.response.result.tmp as { mb: number }).mb).toBeLessThanOrEqual(16);
    await victimServes();
  });

  it('ends a memory hog as a developer error at its memory limit', async () => {
    await mallory.actions.create({ name: 'memory-hog', action: { exec: { kind: 'nodejs:20', code: MEMORY_HOG }, limits: { memory: 128 } } });
    const hog = await run(mallory, 'memory-hog');
    expect(hog.response.status).toBe('action developer error');
    expect(String((hog.response.result as { error?: unknown }).error)).toMatch(/memory/i);
    await victimServes();
  });
});
