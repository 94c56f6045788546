import openwhisk from 'openwhisk';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { TEST_MESSAGE_KEY_ENV } from '../harness/message-key';
import { startProcess, type PlatformProcess } from '../harness/platform-process';
import { startDistributedPlatform, startStandalonePlatform, type DistributedPlatform, type StandalonePlatform } from '../harness/platforms';
import { describeAlarmsFeed, feedsOf, everySecondAlarm, moreFiresThan, triggerActivations } from './alarms-feed.suite';

// /whisk.system/alarms on both profiles (ADR 0017): the triggers service in the standalone
// process, surviving a SIGKILL with its registrations; and two triggers processes over Redis
// leases beside a controller and an invoker on Kafka, NATS, Redis and Docker, firing each tick once.

jest.setTimeout(120_000);

const unique = Date.now().toString(36);

/** The tick of each fire, from its fireId annotation (`<registration id>-<tick ms>`). */
async function firedTicks(apihost: string, trigger: string): Promise<number[]> {
  const fires = await triggerActivations({ apihost, auth: GUEST_AUTH }, trigger);
  return fires.map((f) => Number(String(f.annotations?.find((a) => a.key === 'fireId')?.value ?? '').split('-').pop()));
}

describe('alarms feed on the standalone platform', () => {
  let platform: StandalonePlatform | undefined;

  beforeAll(async () => {
    platform = await startStandalonePlatform({ name: 'standalone-alarms', prefix: `e2e-alarms-sa-${process.pid}`, containers: 'process' });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  describeAlarmsFeed(() => ({ apihost: platform!.apihost, auth: GUEST_AUTH, unique: `sa-${unique}` }));

  it('keeps a registration through a SIGKILL and a restart, and goes on firing', async () => {
    const target = () => ({ apihost: platform!.apihost, auth: GUEST_AUTH });
    const trigger = await everySecondAlarm(target(), `sa-${unique}-survivor`);
    await moreFiresThan(target(), trigger, 1);
    const beforeKill = (await firedTicks(platform!.apihost, trigger)).length;
    await platform!.process.kill();
    await platform!.restart('standalone-alarms-after-kill');
    await moreFiresThan(target(), trigger, beforeKill + 2);
    const ticks = await firedTicks(platform!.apihost, trigger);
    expect(new Set(ticks).size).toBe(ticks.length);
    await feedsOf(openwhisk({ apihost: platform!.apihost, api_key: GUEST_AUTH })).delete({ name: '/whisk.system/alarms/alarm', trigger });
  });
});

describe('alarms feed on the distributed platform with two triggers replicas', () => {
  let platform: DistributedPlatform | undefined;
  const replicas: PlatformProcess[] = [];
  const prefix = `e2e-alarms-dist-${process.pid}-${unique}`;

  beforeAll(async () => {
    platform = await startDistributedPlatform({ prefix });
    for (const id of ['triggers0', 'triggers1']) {
      replicas.push(
        startProcess(id, 'triggers/main.ts', {
          ...TEST_MESSAGE_KEY_ENV,
          WISP_PREFIX: prefix,
          WISP_LOG_LEVEL: 'warn',
          WISP_TRIGGERS_ID: id,
          WISP_TRIGGERS_API_URL: platform.apihost,
          WISP_TRIGGERS_SCAN_MS: '250',
          WISP_TRIGGERS_LEASE_MS: '2000',
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await platform?.stop();
  });

  describeAlarmsFeed(() => ({ apihost: platform!.apihost, auth: GUEST_AUTH, unique: `dist-${unique}` }));

  it('fires each tick once with two replicas, and the other replica takes over when one is killed', async () => {
    const target = { apihost: platform!.apihost, auth: GUEST_AUTH };
    const trigger = await everySecondAlarm(target, `dist-${unique}-shared`);
    await moreFiresThan(target, trigger, 4);
    let ticks = await firedTicks(target.apihost, trigger);
    expect(new Set(ticks).size).toBe(ticks.length);
    // Never more fires than ticks in the span they cover.
    expect(ticks.length).toBeLessThanOrEqual((Math.max(...ticks) - Math.min(...ticks)) / 1000 + 1);

    await replicas[0]!.kill();
    const before = ticks.length;
    await moreFiresThan(target, trigger, before + 2);
    ticks = await firedTicks(target.apihost, trigger);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(replicas[1]!.child.exitCode).toBeNull();
    await feedsOf(openwhisk({ apihost: target.apihost, api_key: GUEST_AUTH })).delete({ name: '/whisk.system/alarms/alarm', trigger });
  });
});
