import openwhisk from 'openwhisk';
import { eventually } from '../harness/eventually';
import type { PlatformUnderTest } from './invoke-path.suite';

// The /whisk.system/alarms feeds driven by the `openwhisk` npm client's feeds API exactly as a
// user's program (or `wsk trigger create --feed`) drives them: a trigger with the `feed`
// annotation, the feed action invoked with CREATE / READ / DELETE, a rule to an action, and the
// activations the alarm causes. Run against each profile.

const ECHO = `function main(params) { return { got: params }; }`;

interface OwError {
  statusCode?: number;
  message?: string;
  error?: { response?: { result?: { error?: { error?: string; statusCode?: number } } } };
}

/** The client's feeds API as it is at run time (its typings lack get and update). */
interface FeedCalls {
  create(options: { name: string; trigger: string; params?: Record<string, unknown> }): Promise<unknown>;
  get(options: { name: string; trigger: string }): Promise<unknown>;
  update(options: { name: string; trigger: string; params?: Record<string, unknown> }): Promise<unknown>;
  delete(options: { name: string; trigger: string }): Promise<unknown>;
  /** Any lifecycle event (the client's own dispatcher): PAUSE and UNPAUSE have no method of their own. */
  feed(event: string, options: { name: string; trigger: string }): Promise<unknown>;
}

export function feedsOf(ow: ReturnType<typeof openwhisk>): FeedCalls {
  return ow.feeds as unknown as FeedCalls;
}

export interface AlarmsPlatform extends PlatformUnderTest {
  readonly unique: string;
}

/** Trigger activations of `trigger`, newest first (up to 200). */
export async function triggerActivations(platform: PlatformUnderTest, trigger: string): Promise<{ activationId: string; start: number; annotations?: { key: string; value: unknown }[] }[]> {
  const ow = openwhisk({ apihost: platform.apihost, api_key: platform.auth });
  return (await ow.activations.list({ name: trigger, limit: 200, docs: true } as never)) as never;
}

/** Makes action, trigger (with the feed annotation), rule and the feed; answers the trigger's name. */
export async function everySecondAlarm(platform: PlatformUnderTest, name: string): Promise<string> {
  const ow = openwhisk({ apihost: platform.apihost, api_key: platform.auth });
  await ow.actions.create({ name: `${name}-echo`, action: ECHO });
  await ow.triggers.create({ name, trigger: { annotations: [{ key: 'feed', value: '/whisk.system/alarms/alarm' }] } as never });
  await ow.rules.create({ name: `${name}-rule`, trigger: name, action: `${name}-echo` });
  await feedsOf(ow).create({ name: '/whisk.system/alarms/alarm', trigger: name, params: { cron: '* * * * * *', trigger_payload: { from: 'alarm' } } });
  return name;
}

/** Waits until `trigger` has more than `count` activations; answers how many. */
export async function moreFiresThan(platform: PlatformUnderTest, trigger: string, count: number, timeoutMs = 30_000): Promise<number> {
  return eventually(async () => {
    const n = (await triggerActivations(platform, trigger)).length;
    return n > count ? n : undefined;
  }, timeoutMs, 250);
}

export function describeAlarmsFeed(platform: () => AlarmsPlatform): void {
  const client = () => openwhisk({ apihost: platform().apihost, api_key: platform().auth });
  const refusal = (work: Promise<unknown>) => work.then(() => ({ statusCode: 0 }) as OwError, (err: OwError) => err);

  it('publishes /whisk.system/alarms with its three feed actions', async () => {
    const ow = client();
    for (const feed of ['alarm', 'interval', 'once']) {
      const action = await ow.actions.get({ name: `/whisk.system/alarms/${feed}` });
      expect(action.annotations).toEqual(expect.arrayContaining([{ key: 'feed', value: true }]));
    }
  });

  it('an every-second alarm fires through its rule; READ shows it active; DELETE stops it for good', async () => {
    const ow = client();
    const trigger = await everySecondAlarm(platform(), `${platform().unique}-tick`);
    await moreFiresThan(platform(), trigger, 2);
    // The rule's action really ran with the trigger_payload.
    const ran = await eventually(async () => {
      const list = (await ow.activations.list({ name: `${trigger}-echo`, limit: 5, docs: true } as never)) as unknown as { response: { result: { got?: Record<string, unknown> } } }[];
      return list.find((a) => a.response?.result?.got?.from === 'alarm');
    }, 30_000, 250);
    expect(ran.response.result.got).toMatchObject({ from: 'alarm' });
    const fires = await triggerActivations(platform(), trigger);
    expect(new Set(fires.map((f) => f.annotations?.find((a) => a.key === 'fireId')?.value)).size).toBe(fires.length);

    const read = (await feedsOf(ow).get({ name: '/whisk.system/alarms/alarm', trigger })) as unknown as { response: { result: Record<string, unknown> } };
    expect(read.response.result).toMatchObject({ config: { name: trigger, cron: '* * * * * *', payload: { from: 'alarm' } }, status: { active: true, dateChanged: expect.any(Number) } });

    await feedsOf(ow).delete({ name: '/whisk.system/alarms/alarm', trigger });
    const atDelete = (await triggerActivations(platform(), trigger)).length;
    // Time is measured by a second alarm's fires rather than a sleep: while it fires 3 times, the
    // deleted one would have too. One fire already on its way when DELETE landed may still arrive.
    const control = await everySecondAlarm(platform(), `${platform().unique}-control`);
    await moreFiresThan(platform(), control, 2);
    const afterDelete = (await triggerActivations(platform(), trigger)).length;
    expect(afterDelete - atDelete).toBeLessThanOrEqual(1);
    const controlSoFar = (await triggerActivations(platform(), control)).length;
    await moreFiresThan(platform(), control, controlSoFar + 1);
    expect((await triggerActivations(platform(), trigger)).length).toBe(afterDelete);
    await feedsOf(ow).delete({ name: '/whisk.system/alarms/alarm', trigger: control });
    expect(await refusal(feedsOf(ow).get({ name: '/whisk.system/alarms/alarm', trigger }))).toMatchObject({ error: { response: { result: { error: { statusCode: 404, error: `trigger /guest/${trigger} has no feed registration` } } } } });
    await ow.triggers.delete({ name: trigger });
  });

  it('refuses a bad cron with a 400 and its reason; the client then deletes the trigger', async () => {
    const ow = client();
    const trigger = `${platform().unique}-badcron`;
    await ow.triggers.create({ name: trigger, trigger: { annotations: [{ key: 'feed', value: '/whisk.system/alarms/alarm' }] } as never });
    const failed = await refusal(feedsOf(ow).create({ name: '/whisk.system/alarms/alarm', trigger, params: { cron: '61 * * * *' } }));
    expect(failed.error?.response?.result?.error).toMatchObject({ statusCode: 400, error: expect.stringMatching(/^cron pattern string '61 \* \* \* \*' is not valid/) });
    expect(failed.message).toContain("cron pattern string '61 * * * *' is not valid");
    await ow.triggers.delete({ name: trigger });
    const badInterval = `${platform().unique}-badint`;
    await ow.triggers.create({ name: badInterval });
    const refusedInterval = await refusal(feedsOf(ow).create({ name: '/whisk.system/alarms/interval', trigger: badInterval, params: { minutes: 0 } }));
    expect(refusedInterval.error?.response?.result?.error).toMatchObject({ statusCode: 400, error: expect.stringContaining('greater than zero') });
    await ow.triggers.delete({ name: badInterval });
  });

  it('a once feed with deleteAfterFire=rules fires once, then deletes its rule and its trigger', async () => {
    const ow = client();
    const trigger = `${platform().unique}-once`;
    await ow.actions.create({ name: `${trigger}-echo`, action: ECHO });
    await ow.triggers.create({ name: trigger, trigger: { annotations: [{ key: 'feed', value: '/whisk.system/alarms/once' }] } as never });
    await ow.rules.create({ name: `${trigger}-rule`, trigger, action: `${trigger}-echo` });
    // Far enough ahead for a cold feed action to register it first.
    await feedsOf(ow).create({ name: '/whisk.system/alarms/once', trigger, params: { date: new Date(Date.now() + 6000).toISOString(), deleteAfterFire: 'rules', trigger_payload: 'once' } });
    await eventually(async () => ((await refusal(ow.triggers.get({ name: trigger }))).statusCode === 404 ? true : undefined), 30_000, 250);
    expect((await refusal(ow.rules.get({ name: `${trigger}-rule` }))).statusCode).toBe(404);
    const ran = await eventually(async () => {
      const list = (await ow.activations.list({ name: `${trigger}-echo`, limit: 5, docs: true } as never)) as unknown as { response: { result: { got?: Record<string, unknown> } } }[];
      return list.length > 0 ? list : undefined;
    }, 30_000, 250);
    expect(ran.map((a) => a.response.result.got?.payload)).toEqual(['once']);
    expect(await triggerActivations(platform(), trigger)).toHaveLength(1);
  });

  it('an interval feed is stored with its minutes; READ, UPDATE, PAUSE and UNPAUSE answer its status', async () => {
    const ow = client();
    const trigger = `${platform().unique}-interval`;
    await ow.triggers.create({ name: trigger, trigger: { annotations: [{ key: 'feed', value: '/whisk.system/alarms/interval' }] } as never });
    await feedsOf(ow).create({ name: '/whisk.system/alarms/interval', trigger, params: { minutes: 30 } });
    const read = (await feedsOf(ow).get({ name: '/whisk.system/alarms/interval', trigger })) as unknown as { response: { result: Record<string, unknown> } };
    expect(read.response.result).toMatchObject({ config: { feed: 'interval', minutes: 30 }, status: { active: true } });
    await feedsOf(ow).update({ name: '/whisk.system/alarms/interval', trigger, params: { minutes: 45 } });
    const updated = (await feedsOf(ow).get({ name: '/whisk.system/alarms/interval', trigger })) as unknown as { response: { result: Record<string, unknown> } };
    expect(updated.response.result).toMatchObject({ config: { minutes: 45 } });
    const paused = (await feedsOf(ow).feed('PAUSE', { name: '/whisk.system/alarms/interval', trigger })) as { response: { result: Record<string, unknown> } };
    expect(paused.response.result).toMatchObject({ status: { active: false, reason: { kind: 'USER' } } });
    const resumed = (await feedsOf(ow).feed('UNPAUSE', { name: '/whisk.system/alarms/interval', trigger })) as { response: { result: Record<string, unknown> } };
    expect(resumed.response.result).toMatchObject({ status: { active: true } });
    await feedsOf(ow).delete({ name: '/whisk.system/alarms/interval', trigger });
    await ow.triggers.delete({ name: trigger });
  });
}
