import { GUEST_AUTH } from '../../common/entities/credentials';
import { eventually } from '../harness/eventually';
import { startStandalonePlatform, type StandalonePlatform } from '../harness/platforms';

// ADR 0028's promise about conductor actions: a composition is a durable job like a sequence, so
// a non-blocking composition accepted with 202 ends with its record even when the process running
// it is SIGKILLed mid-way. The restarted standalone replays the job from its recorded steps: the
// turns already recorded decide the same path, and no step runs twice (one record per step, under
// the id derived for it).

jest.setTimeout(180_000);

const STEP_MS = 1500;
const COMPONENTS = 3;
// Calls `step` until the trail has COMPONENTS entries, then ends with the trail.
const CONDUCTOR = `function main(p) {
  const trail = Array.isArray(p.trail) ? p.trail : [];
  if (trail.length >= ${COMPONENTS}) return { params: { trail } };
  return { action: 'cf-step', params: { trail } };
}`;
// Adds itself, as the activation that ran it, to the trail.
const STEP = `function main(p) {
  return new Promise((resolve) => setTimeout(() => resolve({ trail: [...p.trail, process.env.__OW_ACTIVATION_ID] }), ${STEP_MS}));
}`;
const COMPOSITIONS = 3;

type View = { activationId: string; name: string; cause?: string; logs: string[]; response: { status: string; result?: { trail?: string[] } } };

describe('conductor compositions survive a SIGKILL (standalone: the restarted process replays its durable jobs)', () => {
  let platform: StandalonePlatform | undefined;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${platform!.apihost}/api/v1/namespaces/_${path}`, { ...init, headers: { Authorization: `Basic ${Buffer.from(GUEST_AUTH).toString('base64')}`, 'Content-Type': 'application/json' } });
  const records = async (name: string): Promise<View[]> => {
    const res = await api(`/activations?name=${name}&docs=true&limit=200`);
    expect(res.status).toBe(200);
    return (await res.json()) as View[];
  };

  afterAll(async () => {
    await platform?.stop();
  });

  it('ends every accepted composition with its full trail, each step run once', async () => {
    platform = await startStandalonePlatform({ name: 'standalone-before-crash', prefix: `e2e-compfail-sa-${process.pid}`, containers: 'process' });
    for (const [name, code, annotations] of [['cf-conductor', CONDUCTOR, [{ key: 'conductor', value: true }]], ['cf-step', STEP, []]] as const) {
      const res = await api(`/actions/${name}`, { method: 'PUT', body: JSON.stringify({ exec: { kind: 'nodejs:20', code }, annotations, limits: { timeout: 20_000 } }) });
      expect(res.status).toBe(200);
    }
    const ids: string[] = [];
    for (let n = 0; n < COMPOSITIONS; n++) {
      const res = await api('/actions/cf-conductor?blocking=false', { method: 'POST', body: JSON.stringify({ n }) });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { activationId: string }).activationId);
    }
    // Mid-composition: some component recorded, no composition finished.
    await eventually(async () => ((await records('cf-step')).some((r) => ids.includes(r.cause ?? '')) ? true : undefined), 60_000, 100);
    for (const id of ids) expect((await api(`/activations/${id}`)).status).toBe(404);
    await platform.process.kill();
    await platform.restart('standalone-after-crash');

    const finished = await Promise.all(
      ids.map((id) =>
        eventually(async () => {
          const res = await api(`/activations/${id}`);
          return res.status === 200 ? ((await res.json()) as View) : undefined;
        }, 120_000, 250),
      ),
    );
    const steps = await records('cf-step');
    const turns = await records('cf-conductor');
    for (const record of finished) {
      expect(record.response.status).toBe('success');
      // Turn, step, turn, step, turn, step, turn.
      expect(record.logs).toHaveLength(2 * COMPONENTS + 1);
      expect(record.response.result?.trail).toEqual([record.logs[1], record.logs[3], record.logs[5]]);
      const mine = (views: View[]) => views.filter((r) => r.cause === record.activationId).map((r) => r.activationId).sort();
      expect(mine(steps)).toEqual([record.logs[1], record.logs[3], record.logs[5]].sort());
      expect(mine(turns)).toEqual([record.logs[0], record.logs[2], record.logs[4], record.logs[6]].sort());
    }
  });
});
