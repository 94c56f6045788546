import { GUEST_AUTH } from '../../common/entities/credentials';
import { eventually } from '../harness/eventually';
import type { PlatformProcess } from '../harness/platform-process';
import { startDistributedPlatform, startStandalonePlatform, type DistributedPlatform, type StandalonePlatform } from '../harness/platforms';

// Issue 9's promise about sequences (ADR 0016): a non-blocking sequence accepted with 202 ends
// with a record even when the controller running it is SIGKILLed mid-sequence. Distributed: the
// only controller is killed while its sequences' steps run; a second controller joins the
// controllers' group and is handed the dead one's jobs once its Kafka session (10 s) lapses.
// Standalone: the process is killed and started again on the same data dir, whose durable bus
// hands the jobs back. Either way every sequence must end successfully with its full trail, each
// step run exactly once: one record per step under the id derived for it, and the trail of
// activation ids the steps wrote into their results is the sequence's list of steps.

jest.setTimeout(300_000);

const STEP_MS = 2000;
const STEP_TIMEOUT_MS = 20_000;
const SEQUENCES = 4;
const STEPS = ['a', 'b', 'c'] as const;
// Each step adds itself, as the activation that ran it, to the trail its input carries.
const STEP = `function main(params) {
  const trail = Array.isArray(params.trail) ? params.trail : [];
  const me = { step: params.me, activationId: process.env.__OW_ACTIVATION_ID };
  return new Promise((resolve) => setTimeout(() => resolve({ trail: [...trail, me] }), ${STEP_MS}));
}`;
// A restart or a session lapse and a rejoin, then the rest of the steps; a step sent twice waits for its first run's record.
const RECOVERY_BOUND_MS = 120_000;

type View = { activationId: string; cause?: string; logs: string[]; response: { status: string; result?: { trail?: { step: string; activationId: string }[] } } };

function client(apihost: () => string) {
  return (path: string, init: RequestInit = {}) =>
    fetch(`${apihost()}/api/v1/namespaces/_${path}`, {
      ...init,
      headers: { Authorization: `Basic ${Buffer.from(GUEST_AUTH).toString('base64')}`, 'Content-Type': 'application/json' },
    });
}

type Api = ReturnType<typeof client>;

async function createChain(api: Api): Promise<void> {
  for (const me of STEPS) {
    const res = await api(`/actions/step-${me}`, { method: 'PUT', body: JSON.stringify({ exec: { kind: 'nodejs:20', code: STEP }, parameters: [{ key: 'me', value: me }], limits: { timeout: STEP_TIMEOUT_MS } }) });
    expect(res.status).toBe(200);
  }
  const res = await api('/actions/chain', { method: 'PUT', body: JSON.stringify({ exec: { kind: 'sequence', components: STEPS.map((me) => `/_/step-${me}`) } }) });
  expect(res.status).toBe(200);
}

async function stepRecords(api: Api, me: string): Promise<View[]> {
  const res = await api(`/activations?name=step-${me}&docs=true&limit=200`);
  expect(res.status).toBe(200);
  return (await res.json()) as View[];
}

/** Accepts the sequences with 202, then resolves once some step has a record and no sequence one: the moment to kill. */
async function acceptAndRunIntoTheMiddle(api: Api): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < SEQUENCES; n++) {
    const res = await api('/actions/chain?blocking=false', { method: 'POST', body: JSON.stringify({ n }) });
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as { activationId: string }).activationId);
  }
  await eventually(async () => ((await stepRecords(api, 'a')).some((r) => ids.includes(r.cause ?? '')) ? true : undefined), 60_000, 100);
  // Mid-sequence: no sequence can have finished its three steps yet.
  for (const id of ids) expect((await api(`/activations/${id}`)).status).toBe(404);
  return ids;
}

async function expectEachRanOnceToTheEnd(api: Api, ids: readonly string[]): Promise<void> {
  const records = await Promise.all(
    ids.map((id) =>
      eventually(async () => {
        const res = await api(`/activations/${id}`);
        return res.status === 200 ? ((await res.json()) as View) : undefined;
      }, RECOVERY_BOUND_MS, 250),
    ),
  );
  const steps = new Map<string, View[]>();
  for (const me of STEPS) steps.set(me, await stepRecords(api, me));
  for (const record of records) {
    expect(record.response.status).toBe('success');
    expect(record.logs).toHaveLength(STEPS.length);
    // The result is the chain of the three steps' own results, each written by the activation recorded as that step.
    expect(record.response.result?.trail).toEqual(STEPS.map((me, i) => ({ step: me, activationId: record.logs[i] })));
    // Exactly one run of each step for this sequence: none was run again under another id.
    for (const [i, me] of STEPS.entries()) {
      const runs = steps.get(me)!.filter((r) => r.cause === record.activationId);
      expect(runs.map((r) => r.activationId)).toEqual([record.logs[i]]);
      expect(runs[0]!.response.status).toBe('success');
    }
  }
}

describe('sequences survive a controller SIGKILL', () => {
  describe('distributed: another controller takes the dead one\'s jobs over', () => {
    let platform: DistributedPlatform | undefined;
    let apihost = '';
    const api = client(() => apihost);

    afterAll(async () => {
      await platform?.stop();
    });

    it('ends every accepted sequence with its full trail, each step run once', async () => {
      platform = await startDistributedPlatform({ prefix: `e2e-seqfail-d-${process.pid}`, controllers: 1 });
      apihost = platform.apihost;
      await createChain(api);
      const ids = await acceptAndRunIntoTheMiddle(api);
      const controller0 = platform.processes.find((p) => p.name === 'controller0') as PlatformProcess;
      await controller0.kill();
      // A second controller joins the group; the dead member's partitions come to it once its session lapses.
      apihost = (await platform.startController(1)).apihost;
      await expectEachRanOnceToTheEnd(api, ids);
    });
  });

  describe('standalone: the restarted process replays its durable jobs', () => {
    let platform: StandalonePlatform | undefined;
    const api = client(() => platform!.apihost);

    afterAll(async () => {
      await platform?.stop();
    });

    it('ends every accepted sequence with its full trail, each step run once', async () => {
      platform = await startStandalonePlatform({ name: 'standalone-before-crash', prefix: `e2e-seqfail-sa-${process.pid}`, containers: 'process' });
      await createChain(api);
      const ids = await acceptAndRunIntoTheMiddle(api);
      await platform.process.kill();
      await platform.restart('standalone-after-crash');
      await expectEachRanOnceToTheEnd(api, ids);
    });
  });
});
