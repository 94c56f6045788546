import Dockerode from 'dockerode';
import openwhisk from 'openwhisk';
import { layerOnto } from '../../actions/local-images';
import { RuntimeMessages } from '../../actions/runtime-nodejs/runtime-messages';
import { runtimeImage } from '../../actions/runtime-image-names';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { createNaming } from '../../common/naming';
import { homeIndex } from '../../controller/invocation/load-balancer';
import { ActivationMessages } from '../../invoker/activation-messages';
import { MAX_RESULT_BYTES } from '../../invoker/call-outcome';
import { eventually } from '../harness/eventually';
import { startDistributedPlatform, type DistributedPlatform } from '../harness/platforms';
import { acceptsConnections } from '../harness/accepts-connections';

// Issue 4's invoker promises on the distributed profile: one controller and two invoker
// processes over the real Kafka, Redis, NATS and Docker engine, driven through the `openwhisk`
// npm client. Warm reuse, stem cells, pause and resume, and every way an activation can fail —
// each failure on both invokers at once, each mapped to OpenWhisk's status and message, each
// followed by a good call of the same action on the same invoker. Killing an invoker mid-load is
// invoker-failover.e2e.test.ts.
//
// Which invoker ran an activation: every action logs or returns its container's hostname (Docker
// sets it to the container id's first 12 digits), and a Docker event stream opened before the
// platform starts remembers each container's invoker label, even after the container is gone.
// Actions are named so that their home invoker (DESIGN.md §7) is the one the case wants.

jest.setTimeout(240_000);

const INVOKERS = ['invoker0', 'invoker1'] as const;
type InvokerId = (typeof INVOKERS)[number];
const MB = 1024 * 1024;
const PAUSE_GRACE_MS = 300;
const TIMEOUT_LIMIT_MS = 2000;
/** How long a positive outcome may take on a loaded machine (container removal, a pause, a refill). */
const SETTLE_MS = 20_000;

interface Stored {
  readonly activationId: string;
  readonly logs: string[];
  readonly annotations?: Array<{ key: string; value: unknown }>;
  readonly response: { status: string; success: boolean; result?: Record<string, unknown> };
}

interface OwError {
  readonly statusCode?: number;
  readonly error?: { activationId?: string };
}

interface Invoked {
  /** The blocking invoke's HTTP status. */
  readonly httpStatus: number;
  /** The stored record (the blocking answer leaves the logs out). */
  readonly record: Stored;
}

interface SeenContainer {
  readonly invoker: string;
  readonly image: string;
  readonly name: string;
}

const annotation = (record: Stored, key: string) => record.annotations?.find((a) => a.key === key)?.value;
const errorOf = (record: Stored) => record.response.result?.error;
const NEVER_READY_TIMEOUT_MS = 3000;
const developerErrorNotice = `stderr: ${ActivationMessages.logsAfterDeveloperError}`;

// Each action logs `HOST=<hostname>` first thing in main and returns { host } when it ends well.
const HOST_LINE = "console.log('HOST=' + require('os').hostname());";
const WELL = "return { host: require('os').hostname() };";
const action = (failure: string) => `function main(p) {
  ${HOST_LINE}
  if (p.fail) { ${failure} }
  ${WELL}
}`;

function hostLogged(record: Stored): string {
  const host = record.logs.map((line) => /stdout: HOST=([0-9a-f]{12})$/.exec(line)?.[1]).find((h) => h !== undefined);
  if (!host) throw new Error(`no HOST line in the logs of ${record.activationId}: ${JSON.stringify(record.logs.slice(0, 5))}`);
  return host;
}

function hostReturned(record: Stored): string {
  const host = record.response.result?.host;
  if (typeof host !== 'string') throw new Error(`no host in the result of ${record.activationId}: ${JSON.stringify(record.response)}`);
  return host;
}

/** A name for `base` whose home invoker is `invokerId`, so the case lands where it is meant to. */
function homedOn(base: string, invokerId: InvokerId): string {
  const wanted = INVOKERS.indexOf(invokerId);
  for (let n = 0; ; n++) {
    const name = `${base}-${n}`;
    if (homeIndex('guest', `guest/${name}`, INVOKERS.length) === wanted) return name;
  }
}

describe('one controller, two invokers (distributed: Kafka, NATS, Redis, Docker)', () => {
  const prefix = `e2e-two-${process.pid}-${Date.now().toString(36)}`;
  const naming = createNaming(prefix);
  const docker = new Dockerode();
  // Never listens on 8080: the runtime image with a command that only idles.
  const neverReadyImage = `wisp-test-never-ready:${prefix}`;
  const seen = new Map<string, SeenContainer>();
  let events: NodeJS.ReadableStream | undefined;
  let platform: DistributedPlatform | undefined;

  const ow = () => openwhisk({ apihost: platform!.apihost, api_key: GUEST_AUTH });
  // The client's typings lack what its JavaScript accepts (blackbox execs): say it as a JS program does.
  const create = (options: Record<string, unknown>) => ow().actions.create(options as never);

  const recordOf = (id: string): Promise<Stored> =>
    eventually(async () => {
      try {
        return (await ow().activations.get({ name: id })) as unknown as Stored;
      } catch (err) {
        if ((err as OwError).statusCode === 404) return undefined;
        throw err;
      }
    }, 30_000, 100);

  async function invoke(name: string, params: Record<string, unknown> = {}): Promise<Invoked> {
    const answer = await ow()
      .actions.invoke({ name, blocking: true, params })
      .then(
        (activation) => ({ httpStatus: 200, id: activation.activationId }),
        (err: OwError) => {
          if (!err.error?.activationId) throw err;
          return { httpStatus: err.statusCode ?? 0, id: err.error.activationId };
        },
      );
    return { httpStatus: answer.httpStatus, record: await recordOf(answer.id) };
  }

  /** The invoker whose label the container with this hostname carried. */
  const ranOn = (host: string): Promise<string> =>
    eventually(async () => [...seen.entries()].find(([id]) => id.startsWith(host))?.[1].invoker, 10_000, 50);

  const stateOf = async (host: string): Promise<Dockerode.ContainerInspectInfo['State'] | 'gone'> => {
    try {
      return (await docker.getContainer(host).inspect()).State;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return 'gone';
      throw err;
    }
  };

  const gone = (host: string) => eventually(async () => ((await stateOf(host)) === 'gone' ? true : undefined), SETTLE_MS, 100);

  async function watchContainers(): Promise<void> {
    const stream = await docker.getEvents({ filters: { type: ['container'], event: ['create'], label: [`${naming.containerLabelKey}=${prefix}`] } });
    events = stream;
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
        if (!line) continue;
        const event = JSON.parse(line) as { Actor?: { ID?: string; Attributes?: Record<string, string> } };
        const attributes = event.Actor?.Attributes ?? {};
        if (event.Actor?.ID) {
          seen.set(event.Actor.ID, { invoker: attributes[naming.invokerLabelKey] ?? '', image: attributes.image ?? '', name: attributes.name ?? '' });
        }
      }
    });
    stream.on('error', () => undefined);
  }

  beforeAll(async () => {
    await layerOnto(docker, {
      base: runtimeImage('nodejs'),
      tag: neverReadyImage,
      files: [],
      changes: ['CMD ["/usr/bin/node", "-e", "setInterval(function () {}, 60000)"]', `LABEL ${naming.containerLabelKey}=${prefix}`],
    });
    await watchContainers();
    platform = await startDistributedPlatform({
      prefix,
      invokers: INVOKERS,
      // The pool's own count of ready stem cells (GET /metrics) says when a stem cell can serve.
      metrics: true,
      env: {
        WISP_INVOKER_PREWARM_NODEJS: '1',
        WISP_INVOKER_PAUSE_GRACE_MS: String(PAUSE_GRACE_MS),
        // Many calls in a few minutes: the namespace's throttles are not what is tested here.
        WISP_INVOCATIONS_PER_MINUTE: '1000',
        WISP_CONCURRENT_INVOCATIONS: '1000',
      },
    });
  }, 300_000);

  afterAll(async () => {
    await platform?.stop();
    (events as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined)?.destroy?.();
    // The invokers remove their own containers when they stop; this catches whatever a failure left.
    const left = await docker.listContainers({ all: true, filters: { label: [`${naming.containerLabelKey}=${prefix}`] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    const networks = await docker.listNetworks({ filters: { name: [naming.networkName()] } });
    await Promise.all(networks.filter((n) => n.Name === naming.networkName()).map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)));
    await docker
      .getImage(neverReadyImage)
      .remove({ force: true })
      .catch(() => undefined);
  });

  it('reuses the warm container for the next call of an action, on each invoker', async () => {
    await Promise.all(
      INVOKERS.map(async (invokerId) => {
        const name = homedOn('warm', invokerId);
        await create({ name, action: action('') });
        const first = await invoke(name);
        const second = await invoke(name);
        expect([first.record.response.status, second.record.response.status]).toEqual(['success', 'success']);
        expect(annotation(first.record, 'initTime')).toEqual(expect.any(Number));
        expect(annotation(second.record, 'initTime')).toBeUndefined();
        expect(hostReturned(second.record)).toBe(hostReturned(first.record));
        expect(await ranOn(hostReturned(first.record))).toBe(invokerId);
      }),
    );
  });

  it('starts a cold nodejs action in the stem cell, and makes a new stem cell', async () => {
    await Promise.all(
      INVOKERS.map(async (invokerId) => {
        const stem = await readyStemCell(invokerId);
        const name = homedOn('prewarmed', invokerId);
        await create({ name, action: action('') });
        const { record } = await invoke(name);
        expect(record.response.status).toBe('success');
        // Initialised for this activation, in the container the invoker made before it was asked.
        expect(annotation(record, 'initTime')).toEqual(expect.any(Number));
        expect(stem.startsWith(hostReturned(record))).toBe(true);
        // Made again in the background: a fresh stem cell may already serve (and idle, paused)
        // another cold start by the time it is looked for, so any other prewarm container counts.
        const refilled = await eventually(async () => {
          const next = await stemCells(invokerId, ['running', 'paused']);
          return next.find((id) => id !== stem);
        }, 3 * SETTLE_MS, 100).catch((error: unknown) => {
          const logs = (platform?.processes ?? []).filter((p) => p.name === invokerId).map((p) => p.output().slice(-4000));
          throw new Error(`${(error as Error).message}: no new stem cell on ${invokerId}\n${logs.join('\n')}`);
        });
        expect(refilled).not.toBe(stem);
      }),
    );
  });

  it('pauses an idle warm container and resumes it for the next call', async () => {
    await Promise.all(
      INVOKERS.map(async (invokerId) => {
        const name = homedOn('pausable', invokerId);
        await create({ name, action: action('') });
        const first = await invoke(name);
        const host = hostReturned(first.record);
        expect(await ranOn(host)).toBe(invokerId);
        await eventually(async () => {
          const state = await stateOf(host);
          return state !== 'gone' && state.Paused ? true : undefined;
        }, SETTLE_MS, 100);
        const second = await invoke(name);
        expect(second.record.response.status).toBe('success');
        expect(hostReturned(second.record)).toBe(host);
        expect(annotation(second.record, 'initTime')).toBeUndefined();
      }),
    );
  });

  interface FailureCase {
    /** What the failing call does, after it logged its host. */
    readonly failure: string;
    readonly limits?: Record<string, number>;
    readonly httpStatus: number;
    readonly status: string;
    readonly error: string;
  }

  const containerFailures: Record<string, FailureCase> = {
    timeout: {
      failure: 'return new Promise((resolve) => setTimeout(resolve, 60000));',
      limits: { timeout: TIMEOUT_LIMIT_MS },
      httpStatus: 502,
      status: 'action developer error',
      error: ActivationMessages.timedOut(TIMEOUT_LIMIT_MS, false),
    },
    crash: {
      failure: 'process.exit(1);',
      httpStatus: 502,
      status: 'action developer error',
      error: ActivationMessages.runExitedUnexpectedly,
    },
    'out of memory': {
      failure: 'const kept = []; for (;;) kept.push(Buffer.alloc(8 * 1024 * 1024, 1));',
      limits: { memory: 128 },
      httpStatus: 502,
      status: 'action developer error',
      error: ActivationMessages.memoryExhausted,
    },
    'non-object result': {
      failure: 'return 42;',
      httpStatus: 502,
      status: 'action developer error',
      error: RuntimeMessages.notADictionary,
    },
  };

  for (const [mode, failureCase] of Object.entries(containerFailures)) {
    it(`records ${mode} as OpenWhisk does, replaces the container and serves the next call, on each invoker`, async () => {
      await Promise.all(
        INVOKERS.map(async (invokerId) => {
          const name = homedOn(mode.replace(/\W+/g, '-'), invokerId);
          await create({ name, action: action(failureCase.failure), ...(failureCase.limits ? { limits: failureCase.limits } : {}) });
          const failed = await invoke(name, { fail: true });
          expect({ httpStatus: failed.httpStatus, status: failed.record.response.status, error: errorOf(failed.record) }).toEqual({
            httpStatus: failureCase.httpStatus,
            status: failureCase.status,
            error: failureCase.error,
          });
          expect(annotation(failed.record, 'timeout')).toBe(mode === 'timeout');
          expect(failed.record.logs[failed.record.logs.length - 1]).toMatch(new RegExp(`${pattern(developerErrorNotice)}$`));
          const failedHost = hostLogged(failed.record);
          expect(await ranOn(failedHost)).toBe(invokerId);
          // A developer error's container is never reused: it is removed from Docker.
          await gone(failedHost);

          const next = await invoke(name);
          expect(next.record.response.status).toBe('success');
          const nextHost = hostReturned(next.record);
          expect(nextHost).not.toBe(failedHost);
          expect(annotation(next.record, 'initTime')).toEqual(expect.any(Number));
          expect(await ranOn(nextHost)).toBe(invokerId);
        }),
      );
    });
  }

  it('records an init failure (main missing) as OpenWhisk does, removes the container, and runs the fixed action', async () => {
    await Promise.all(
      INVOKERS.map(async (invokerId) => {
        const name = homedOn('init-failure', invokerId);
        // The top level runs during /init, so the host is logged before the entry point is looked for.
        await create({ name, action: `${HOST_LINE}\nfunction notMain() { return {}; }` });
        const failed = await invoke(name);
        expect({ httpStatus: failed.httpStatus, status: failed.record.response.status, error: errorOf(failed.record) }).toEqual({
          httpStatus: 502,
          status: 'action developer error',
          error: RuntimeMessages.notAFunction('main'),
        });
        expect(annotation(failed.record, 'initTime')).toEqual(expect.any(Number));
        expect(failed.record.logs[failed.record.logs.length - 1]).toMatch(new RegExp(`${pattern(developerErrorNotice)}$`));
        const failedHost = hostLogged(failed.record);
        expect(await ranOn(failedHost)).toBe(invokerId);
        await gone(failedHost);

        await ow().actions.update({ name, action: action('') });
        const next = await invoke(name);
        expect(next.record.response.status).toBe('success');
        expect(hostReturned(next.record)).not.toBe(failedHost);
        expect(await ranOn(hostReturned(next.record))).toBe(invokerId);
      }),
    );
  });

  it('records a result over 1 MB as an application error with the truncated response, and the container keeps serving', async () => {
    const size = 2 * MB;
    await Promise.all(
      INVOKERS.map(async (invokerId) => {
        const name = homedOn('oversize', invokerId);
        await create({ name, action: action(`return { host: require('os').hostname(), big: 'z'.repeat(${size}) };`) });
        const failed = await invoke(name, { fail: true });
        const host = hostLogged(failed.record);
        // What the runtime answered: the result as JSON, without whitespace.
        const sent = JSON.stringify({ host, big: 'z'.repeat(size) });
        const expected = ActivationMessages.truncatedResponse(sent.length, MAX_RESULT_BYTES, sent.slice(0, MAX_RESULT_BYTES));
        const error = String(errorOf(failed.record));
        // The head first, so a mismatch prints something readable rather than two megabytes.
        expect({ httpStatus: failed.httpStatus, status: failed.record.response.status, head: error.slice(0, 160), length: error.length }).toEqual({
          httpStatus: 502,
          status: 'application error',
          head: expected.slice(0, 160),
          length: expected.length,
        });
        expect(error === expected).toBe(true);
        expect(await ranOn(host)).toBe(invokerId);

        // An application error keeps the container, as OpenWhisk keeps it.
        const next = await invoke(name);
        expect(next.record.response.status).toBe('success');
        expect(hostReturned(next.record)).toBe(host);
        expect(annotation(next.record, 'initTime')).toBeUndefined();
      }),
    );
  });

  it('truncates megabytes of logs at the action log limit with the OpenWhisk notice, and the next call gets only its own logs', async () => {
    const lines = 3 * 1024;
    await Promise.all(
      INVOKERS.map(async (invokerId) => {
        const name = homedOn('chatty', invokerId);
        await create({
          name,
          action: action(`const line = 'y'.repeat(1023); for (let i = 0; i < ${lines}; i++) console.log(line);`),
          limits: { logs: 1 },
        });
        const flooded = await invoke(name, { fail: true });
        expect(flooded.record.response.status).toBe('success');
        const logs = flooded.record.logs;
        expect(logs[logs.length - 1]).toMatch(new RegExp(`stderr: ${pattern(ActivationMessages.logsTruncated(MB))}$`));
        const kept = logs.filter((l) => l.endsWith(`stdout: ${'y'.repeat(1023)}`)).length;
        expect(kept).toBeGreaterThan(0);
        expect(kept).toBeLessThan(lines);
        const host = hostReturned(flooded.record);
        expect(await ranOn(host)).toBe(invokerId);

        const next = await invoke(name);
        expect(next.record.response.status).toBe('success');
        expect(hostReturned(next.record)).toBe(host);
        expect(next.record.logs.map((l) => l.replace(/^\S+\s+/, ''))).toEqual([`stdout: HOST=${host}`]);
      }),
    );
  });

  it("records a blackbox that never becomes ready as OpenWhisk's initialization timeout, removes it, and keeps serving", async () => {
    await Promise.all(
      INVOKERS.map(async (invokerId) => {
        const name = homedOn('never-ready', invokerId);
        // The image is given the action's own time to come up, as OpenWhisk gives its /init.
        await create({ name, action: { exec: { kind: 'blackbox', image: neverReadyImage }, limits: { timeout: NEVER_READY_TIMEOUT_MS } } });
        const failed = await invoke(name);
        expect({ httpStatus: failed.httpStatus, status: failed.record.response.status, error: errorOf(failed.record) }).toEqual({
          httpStatus: 502,
          status: 'action developer error',
          error: ActivationMessages.timedOut(NEVER_READY_TIMEOUT_MS, true),
        });
        expect(annotation(failed.record, 'timeout')).toBe(true);
        const made = [...seen.entries()].filter(([, c]) => c.image === neverReadyImage && c.invoker === invokerId).map(([id]) => id);
        expect(made.length).toBeGreaterThan(0);
        for (const id of made) await gone(id.slice(0, 12));

        // The invoker serves on: a good action homed on it runs there.
        const good = homedOn('after-never-ready', invokerId);
        await create({ name: good, action: action('') });
        const next = await invoke(good);
        expect(next.record.response.status).toBe('success');
        expect(await ranOn(hostReturned(next.record))).toBe(invokerId);
      }),
    );
  });

  it('ends with both invokers healthy and serving', async () => {
    for (const p of platform!.processes) expect({ name: p.name, exitCode: p.child.exitCode }).toEqual({ name: p.name, exitCode: null });
    expect((await (await fetch(`${platform!.apihost}/invokers/healthy/count`)).text()).trim()).toBe('2');
    await Promise.all(
      INVOKERS.map(async (invokerId) => {
        const name = homedOn('warm', invokerId);
        const { record } = await invoke(name);
        expect(record.response.status).toBe('success');
        expect(await ranOn(hostReturned(record))).toBe(invokerId);
      }),
    );
  });

  /** Ids of this invoker's running stem cells. */
  async function stemCells(invokerId: InvokerId, status: readonly string[] = ['running']): Promise<string[]> {
    const running = await docker.listContainers({
      all: true,
      filters: { label: [`${naming.containerLabelKey}=${prefix}`, `${naming.invokerLabelKey}=${invokerId}`], status: [...status] },
    });
    return running.filter((c) => c.Names.some((n) => n.includes(`_${invokerId}_prewarm_nodejs_`))).map((c) => c.Id);
  }

  /** How many ready stem cells the invoker's pool counts, from its GET /metrics. */
  async function prewarmedInPool(invokerId: InvokerId): Promise<number> {
    const target = platform!.metricsTargets.find((t) => t.name === invokerId)!.target;
    const text = await (await fetch(`http://${target}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`wisp_container_pool_containers{invoker="${invokerId}",state="prewarmed"`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  /**
   * A stem cell of this invoker whose runtime accepts connections and which the pool counts
   * ready: on a loaded machine the pool's own readiness probe can lag the runtime by more than
   * an invoke takes to arrive through Kafka, and the invoke would then start a container of its own.
   */
  function readyStemCell(invokerId: InvokerId): Promise<string> {
    return eventually(async () => {
      for (const id of await stemCells(invokerId)) {
        const address = (await docker.getContainer(id).inspect()).NetworkSettings.Networks[naming.networkName()]?.IPAddress;
        if (address && (await acceptsConnections(address, 8080)) && (await prewarmedInPool(invokerId)) >= 1) return id;
      }
      return undefined;
    }, SETTLE_MS, 100);
  }
});

/** `text` as a regular expression that matches it literally. */
function pattern(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
