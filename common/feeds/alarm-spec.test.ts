import { isPlatformError } from '../errors/platform-error';
import { latestDueTick, nextTick, parseAlarmSpec, type AlarmSpec } from './alarm-spec';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function refusal(feed: unknown, params: Record<string, unknown>): { status: number; code: string; message: string } {
  try {
    parseAlarmSpec(feed, params, NOW);
  } catch (err) {
    if (isPlatformError(err)) return { status: err.status, code: err.code, message: err.message };
    throw err;
  }
  throw new Error('accepted');
}

describe('parseAlarmSpec refuses with a 400 that names the parameter', () => {
  it.each([
    ['a cron with a field out of range', 'alarm', { cron: '61 * * * *' }, /cron pattern string '61 \* \* \* \*' is not valid/],
    ['a cron with 4 fields', 'alarm', { cron: '* * * *' }, /must have 5 fields .* or 6 .* but had 4/],
    ['a cron with 7 fields (years: croner takes them, OpenWhisk does not)', 'alarm', { cron: '* * * * * * 2030' }, /but had 7/],
    ['no cron', 'alarm', {}, /alarms trigger feed is missing the cron parameter/],
    ['an unknown time zone', 'alarm', { cron: '* * * * *', timezone: 'Mars/Olympus' }, /timezone string 'Mars\/Olympus' is not a known IANA time zone/],
    ['a startDate that is not a date', 'alarm', { cron: '* * * * *', startDate: 'soon' }, /startDate parameter string 'soon' is not a valid Date/],
    ['a stopDate in the past', 'alarm', { cron: '* * * * *', stopDate: '2020-01-01T00:00:00Z' }, /stopDate parameter .* must be in the future/],
    ['a stopDate before the startDate', 'interval', { minutes: 5, startDate: iso(NOW + 3_600_000), stopDate: iso(NOW + 60_000) }, /must be greater than the startDate/],
    ['minutes zero', 'interval', { minutes: 0 }, /greater than zero/],
    ['minutes negative', 'interval', { minutes: -3 }, /greater than zero/],
    ['minutes above a year', 'interval', { minutes: 525_601 }, /at most 525600/],
    ['minutes not an integer', 'interval', { minutes: 1.5 }, /must be an integer/],
    ['minutes a word', 'interval', { minutes: 'five' }, /must be an integer/],
    ['no minutes', 'interval', {}, /interval trigger feed is missing the minutes parameter/],
    ['a once date in the past', 'once', { date: iso(NOW - 1) }, /date parameter .* must be in the future/],
    ['deleteAfterFire of another word', 'once', { date: iso(NOW + 60_000), deleteAfterFire: 'maybe' }, /deleteAfterFire parameter must be one of \[false, true, rules\]/],
    ['an unknown feed', 'weekly', { cron: '* * * * *' }, /'feed' must be one of 'alarm', 'interval', 'once'/],
    ['a payload that is an array', 'alarm', { cron: '* * * * *', trigger_payload: [1] }, /trigger_payload must be a JSON object or a string/],
    ['a cron whose only run falls after the stopDate', 'alarm', { cron: '0 0 1 1 *', stopDate: iso(NOW + 60_000) }, /no scheduled time between/],
  ])('%s', (_what, feed, params, message) => {
    const answer = refusal(feed, params);
    expect(answer).toMatchObject({ status: 400, code: 'feed-parameter-invalid' });
    expect(answer.message).toMatch(message);
  });
});

describe('parseAlarmSpec accepts what the alarms package accepts', () => {
  it('a 6-field cron with a time zone and a string payload boxed as {payload}', () => {
    expect(parseAlarmSpec('alarm', { cron: '*/2 * * * * *', timezone: 'Europe/Berlin', trigger_payload: 'hi' }, NOW)).toEqual({ feed: 'alarm', cron: '*/2 * * * * *', timezone: 'Europe/Berlin', payload: { payload: 'hi' } });
  });
  it('minutes as a numeric string, dates as ISO text or epoch ms', () => {
    expect(parseAlarmSpec('interval', { minutes: '5', startDate: NOW + 1000, stopDate: iso(NOW + 3_600_000) }, NOW)).toEqual({ feed: 'interval', minutes: 5, startDate: NOW + 1000, stopDate: NOW + 3_600_000, payload: {} });
  });
  it("once, deleteAfterFire given as a boolean or in capitals", () => {
    expect(parseAlarmSpec('once', { date: iso(NOW + 1000), deleteAfterFire: true }, NOW)).toMatchObject({ deleteAfterFire: 'true' });
    expect(parseAlarmSpec('once', { date: iso(NOW + 1000), deleteAfterFire: 'RULES' }, NOW)).toMatchObject({ deleteAfterFire: 'rules' });
    expect(parseAlarmSpec('once', { date: iso(NOW + 1000) }, NOW)).toMatchObject({ deleteAfterFire: 'false' });
  });
});

describe('ticks', () => {
  const everySecond: AlarmSpec = { feed: 'alarm', cron: '* * * * * *', payload: {} };
  const everyFiveMinutes: AlarmSpec = { feed: 'interval', minutes: 5, payload: {} };

  it('a cron ticks on whole seconds strictly after the position', () => {
    expect(nextTick(everySecond, NOW, NOW)).toBe(NOW + 1000);
    expect(nextTick(everySecond, NOW + 500, NOW)).toBe(NOW + 1000);
  });

  it('a cron with a time zone ticks at that zone\'s midnight', () => {
    expect(iso(nextTick({ feed: 'alarm', cron: '0 0 * * *', timezone: 'Europe/Berlin', payload: {} }, NOW, NOW)!)).toBe('2026-03-01T23:00:00.000Z');
  });

  it('startDate and stopDate bound a cron', () => {
    const bounded: AlarmSpec = { ...everySecond, startDate: NOW + 10_000, stopDate: NOW + 12_000 };
    expect(nextTick(bounded, NOW, NOW)).toBe(NOW + 10_000);
    expect(nextTick(bounded, NOW + 12_000, NOW)).toBeUndefined();
  });

  it('an interval without a startDate first ticks one period after its creation', () => {
    expect(nextTick(everyFiveMinutes, NOW, NOW)).toBe(NOW + 300_000);
    expect(nextTick(everyFiveMinutes, NOW + 300_000, NOW)).toBe(NOW + 600_000);
    expect(nextTick({ ...everyFiveMinutes, startDate: NOW + 1000 }, NOW, NOW)).toBe(NOW + 1000);
  });

  it('once ticks at its date and never again', () => {
    const once: AlarmSpec = { feed: 'once', date: NOW + 5000, deleteAfterFire: 'false', payload: {} };
    expect(nextTick(once, NOW, NOW)).toBe(NOW + 5000);
    expect(nextTick(once, NOW + 5000, NOW)).toBeUndefined();
  });

  it('after an outage only the newest missed tick is due', () => {
    // a day of every-second ticks missed: the last one, found without stepping through 86 400 of them
    expect(latestDueTick(everySecond, NOW, NOW + 86_400_000 + 300, NOW)).toBe(NOW + 86_400_000);
    expect(latestDueTick(everyFiveMinutes, NOW, NOW + 3_600_000 + 1, NOW)).toBe(NOW + 3_600_000);
    expect(latestDueTick({ feed: 'alarm', cron: '0 0 1 1 *', payload: {} }, NOW, NOW + 2 * 366 * 86_400_000, NOW)).toBe(Date.parse('2028-01-01T00:00:00.000Z'));
  });

  it('nothing is due before the next tick, nor past the stopDate', () => {
    expect(latestDueTick(everySecond, NOW, NOW + 999, NOW)).toBeUndefined();
    expect(latestDueTick({ ...everySecond, stopDate: NOW + 3000 }, NOW, NOW + 60_000, NOW)).toBe(NOW + 3000);
  });
});
