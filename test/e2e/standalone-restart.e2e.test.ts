import { GUEST_AUTH } from '../../common/entities/credentials';
import { eventually } from '../harness/eventually';
import { startStandalonePlatform, type StandalonePlatform } from '../harness/platforms';

// DESIGN.md §2's promise of the standalone profile: an activation accepted before a crash is run
// or recorded as failed after the restart, never silently missing. The platform is killed with
// SIGKILL while some activations run and others wait in its queue, then started again on the same
// data dir; every accepted id must end with a stored record.

jest.setTimeout(240_000);

const SLEEP_MS = 3000;
const TIMEOUT_MS = 10_000;
const CLAIM_GRACE_MS = 1000;
// An activation that was running when the platform died is claimed by the dead process: the new
// one (the same invoker id, a new life) takes that claim over at once rather than waiting out its
// 2 × timeout + grace, so recovery is the restart, the backlog and the run itself.
const RECOVERY_BOUND_MS = SLEEP_MS + 20_000;
const SLEEPY = `function main(params) {
  return new Promise((resolve) => setTimeout(() => resolve({ slept: params.n }), ${SLEEP_MS}));
}`;

describe('standalone platform restart (process containers)', () => {
  let platform: StandalonePlatform | undefined;

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${platform!.apihost}/api/v1/namespaces/_${path}`, {
      ...init,
      headers: { Authorization: `Basic ${Buffer.from(GUEST_AUTH).toString('base64')}`, 'Content-Type': 'application/json' },
    });

  afterAll(async () => {
    await platform?.stop();
  });

  it('runs or records as failed every activation accepted before a SIGKILL', async () => {
    platform = await startStandalonePlatform({
      name: 'standalone-before-crash',
      prefix: `e2e-sa-restart-${process.pid}`,
      containers: 'process',
      env: {
        // Room for two 256 MB activations at once: the rest wait in the invoker's queue.
        WISP_INVOKER_USER_MEMORY_MB: '512',
        WISP_INVOKER_CLAIM_GRACE_MS: String(CLAIM_GRACE_MS),
      },
    });
    const first = platform.process;
    const created = await api('/actions/sleepy', {
      method: 'PUT',
      body: JSON.stringify({ exec: { kind: 'nodejs:20', code: SLEEPY }, limits: { timeout: TIMEOUT_MS } }),
    });
    expect(created.status).toBe(200);

    const ids: string[] = [];
    for (let n = 0; n < 6; n++) {
      const res = await api('/actions/sleepy?blocking=false', { method: 'POST', body: JSON.stringify({ n }) });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { activationId: string }).activationId);
    }
    // Long enough for the first two to be running, far too short for any to finish.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const id of ids) expect((await api(`/activations/${id}`)).status).toBe(404);
    await first.kill();

    await platform.restart('standalone-after-crash');
    type StoredRecord = { response: { status: string }; annotations: { key: string; value: unknown }[] };
    const records = await Promise.all(
      ids.map((id) =>
        eventually(async () => {
          const res = await api(`/activations/${id}`);
          return res.status === 200 ? ((await res.json()) as StoredRecord) : undefined;
        }, RECOVERY_BOUND_MS, 250),
      ),
    );
    for (const record of records) expect(['success', 'whisk internal error']).toContain(record.response.status);
    // Both paths were taken: the two that were running ran again after their claims expired
    // (attempt 2), the queued ones ran as soon as the platform was back (no attempt annotation).
    const attempt = (record: StoredRecord) => Number(record.annotations.find((a) => a.key === 'attempt')?.value ?? 1);
    expect(records.filter((record) => attempt(record) >= 2).length).toBeGreaterThan(0);
    expect(records.filter((record) => attempt(record) === 1).length).toBeGreaterThan(0);
  });
});
