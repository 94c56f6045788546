import openwhisk from 'openwhisk';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { AUTH_LINE, runAdmin } from '../harness/admin-process';
import { eventually } from '../harness/eventually';
import { startDistributedPlatform, type DistributedPlatform } from '../harness/platforms';

// Issue #9 "entitlement", driven by the openwhisk npm client on the distributed platform: a
// provider publishes a package, another tenant's rule runs its action on every fire, and once
// the provider unpublishes it the next fire records the rule's refusal and runs nothing of it.

jest.setTimeout(300_000);

type RuleLine = { statusCode: number; success: boolean; activationId?: string; rule: string; action: string; error?: string };

describe('a rule loses its entitlement at fire time (distributed)', () => {
  const prefix = `e2e-entitle-${process.pid}-${Date.now().toString(36)}`;
  const provider = `${prefix}-provider`;
  let platform: DistributedPlatform | undefined;
  let owner: ReturnType<typeof openwhisk>;
  let guest: ReturnType<typeof openwhisk>;

  beforeAll(async () => {
    platform = await startDistributedPlatform({ prefix });
    const created = await runAdmin(['user', 'create', provider], { WISP_PREFIX: prefix });
    if (created.code !== 0) throw new Error(`wisp-admin exited ${created.code}: ${created.stderr}`);
    expect(created.stdout).toMatch(AUTH_LINE);
    owner = openwhisk({ apihost: platform.apihost, api_key: created.stdout.trim() });
    guest = openwhisk({ apihost: platform.apihost, api_key: GUEST_AUTH });
  });

  afterAll(() => platform?.stop());

  /** Fires the trigger and answers the per-rule lines of its activation. */
  const fire = async (trigger: string): Promise<RuleLine[]> => {
    const { activationId } = (await guest.triggers.invoke({ name: trigger, params: { n: 1 } })) as { activationId: string };
    const record = await eventually(() => guest.activations.get({ name: activationId }).catch(() => undefined), 30_000, 100);
    return (record.logs ?? []).map((line: string) => JSON.parse(line) as RuleLine);
  };

  it('runs the published action while it is published, and refuses it, running nothing, once it is not', async () => {
    await owner.packages.create({ name: 'models', package: { publish: true } });
    await owner.actions.create({ name: 'models/score', action: { exec: { kind: 'nodejs:20', code: 'function main(p) { return { scored: p.n }; }' } } });
    await guest.triggers.create({ name: 'scores' });
    await guest.rules.create({ name: 'score-it', trigger: 'scores', action: `/${provider}/models/score` });

    const [ran] = await fire('scores');
    expect(ran).toMatchObject({ statusCode: 0, success: true, rule: 'guest/score-it' });
    const run = await eventually(() => guest.activations.get({ name: ran!.activationId! }).catch(() => undefined), 60_000, 200);
    expect(run.response?.result).toEqual({ scored: 1 });

    await owner.packages.update({ name: 'models', package: { publish: false } });
    const [refused] = await fire('scores');
    expect(refused).toEqual({
      statusCode: 1,
      success: false,
      rule: 'guest/score-it',
      action: `${provider}/models/score`,
      error: `Rule 'guest/score-it' is not entitled to run action '${provider}/models/score', it was not activated.`,
    });
    // The only run of the action in the guest's records is the one before.
    const runs = await guest.activations.list({ name: 'score', limit: 50 });
    expect(runs.map((a: { activationId: string }) => a.activationId)).toEqual([ran!.activationId]);
  });
});
