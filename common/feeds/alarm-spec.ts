import { Cron } from 'croner';
import { Messages } from '../errors/messages';
import { PlatformError } from '../errors/platform-error';

// The /whisk.system/alarms feeds' parameters (apache/openwhisk-package-alarms, alarmWebAction):
// validated once at CREATE or UPDATE into an AlarmSpec, from which the schedule's ticks are
// computed. Pure: the caller passes `now`. Cron patterns are croner's; dates become epoch ms.

export const ALARM_FEEDS = ['alarm', 'interval', 'once'] as const;
export type AlarmFeed = (typeof ALARM_FEEDS)[number];
export type DeleteAfterFire = 'false' | 'true' | 'rules';

/** One year of minutes: an interval longer than that is almost certainly a mistake. */
export const MAX_INTERVAL_MINUTES = 525_600;

interface SpecBase {
  /** What every fire carries (trigger_payload; a string is boxed as `{payload}` as OpenWhisk does). */
  readonly payload: Record<string, unknown>;
}

export type AlarmSpec =
  | (SpecBase & { readonly feed: 'alarm'; readonly cron: string; readonly timezone?: string; readonly startDate?: number; readonly stopDate?: number })
  | (SpecBase & { readonly feed: 'interval'; readonly minutes: number; readonly startDate?: number; readonly stopDate?: number })
  | (SpecBase & { readonly feed: 'once'; readonly date: number; readonly deleteAfterFire: DeleteAfterFire });

export function isAlarmFeed(value: unknown): value is AlarmFeed {
  return typeof value === 'string' && (ALARM_FEEDS as readonly string[]).includes(value);
}

/** The spec, or a 400 `feed-parameter-invalid` naming the first parameter at fault. */
export function parseAlarmSpec(feed: unknown, params: Readonly<Record<string, unknown>>, now: number): AlarmSpec {
  if (!isAlarmFeed(feed)) return invalid(Messages.feedUnknown(feed, ALARM_FEEDS));
  const payload = parsePayload(params.trigger_payload);
  switch (feed) {
    case 'alarm': {
      if (params.cron === undefined || params.cron === '') return invalid(Messages.feedParameterMissing('alarms', 'cron'));
      const timezone = params.timezone === undefined || params.timezone === '' ? undefined : parseTimezone(params.timezone);
      const cron = parseCron(params.cron, timezone);
      const { startDate, stopDate } = parseRange(params, now);
      const spec: AlarmSpec = { feed, cron, payload, ...(timezone ? { timezone } : {}), ...(startDate !== undefined ? { startDate } : {}), ...(stopDate !== undefined ? { stopDate } : {}) };
      if (stopDate !== undefined && nextTick(spec, Math.max(now, startDate ?? now), now) === undefined) return invalid(Messages.noTickBeforeStop(cron));
      return spec;
    }
    case 'interval': {
      if (params.minutes === undefined || params.minutes === '') return invalid(Messages.feedParameterMissing('interval', 'minutes'));
      const minutes = Number(params.minutes);
      if (typeof params.minutes === 'boolean' || !Number.isInteger(minutes)) return invalid(Messages.minutesNotInteger);
      if (minutes <= 0 || minutes > MAX_INTERVAL_MINUTES) return invalid(Messages.minutesOutOfRange(MAX_INTERVAL_MINUTES));
      const { startDate, stopDate } = parseRange(params, now);
      return { feed, minutes, payload, ...(startDate !== undefined ? { startDate } : {}), ...(stopDate !== undefined ? { stopDate } : {}) };
    }
    case 'once': {
      if (params.date === undefined || params.date === '') return invalid(Messages.feedParameterMissing('once', 'date'));
      const date = parseFutureDate('date', params.date, now);
      const raw = params.deleteAfterFire === undefined ? 'false' : String(params.deleteAfterFire).trim().toLowerCase();
      if (raw !== 'false' && raw !== 'true' && raw !== 'rules') return invalid(Messages.deleteAfterFireInvalid);
      return { feed, date, deleteAfterFire: raw, payload };
    }
  }
}

/**
 * The first tick strictly after `after` (epoch ms), or undefined when the schedule has none left.
 * `createdAt` anchors an interval without a startDate: its first tick is one period after it.
 */
export function nextTick(spec: AlarmSpec, after: number, createdAt: number): number | undefined {
  switch (spec.feed) {
    case 'once':
      return spec.date > after ? spec.date : undefined;
    case 'interval': {
      const period = spec.minutes * 60_000;
      const anchor = spec.startDate ?? createdAt + period;
      const k = Math.max(0, Math.floor((after - anchor) / period) + 1);
      const tick = anchor + k * period;
      return spec.stopDate !== undefined && tick > spec.stopDate ? undefined : tick;
    }
    case 'alarm': {
      const from = spec.startDate !== undefined ? Math.max(after, spec.startDate - 1) : after;
      const tick = cronAfter(spec, from);
      return tick === undefined || (spec.stopDate !== undefined && tick > spec.stopDate) ? undefined : tick;
    }
  }
}

/** The latest tick in (after, now]: after a pause or a restart only the newest missed tick fires. */
export function latestDueTick(spec: AlarmSpec, after: number, now: number, createdAt: number): number | undefined {
  const upper = Math.min(now, stopOf(spec) ?? now);
  const first = nextTick(spec, after, createdAt);
  if (first === undefined || first > upper) return undefined;
  if (spec.feed === 'once') return first;
  if (spec.feed === 'interval') {
    const period = spec.minutes * 60_000;
    const anchor = spec.startDate ?? createdAt + period;
    return anchor + Math.floor((upper - anchor) / period) * period;
  }
  // Cron has no "previous run": look back over growing windows, so a long outage costs a few
  // steps rather than one per missed tick.
  for (const window of [2_000, 60_000, 3_600_000, 86_400_000, 31 * 86_400_000, 366 * 86_400_000]) {
    const from = Math.max(after, upper - window);
    const found = lastTickUpTo(spec, from, upper, createdAt);
    if (found !== undefined) return found;
  }
  return lastTickUpTo(spec, after, upper, createdAt);
}

function lastTickUpTo(spec: AlarmSpec, from: number, upper: number, createdAt: number): number | undefined {
  let last: number | undefined;
  let tick = nextTick(spec, from, createdAt);
  for (let steps = 0; tick !== undefined && tick <= upper && steps < 100_000; steps++) {
    last = tick;
    tick = nextTick(spec, tick, createdAt);
  }
  return last;
}

function stopOf(spec: AlarmSpec): number | undefined {
  return spec.feed === 'once' ? undefined : spec.stopDate;
}

function cronAfter(spec: { cron: string; timezone?: string }, after: number): number | undefined {
  const run = new Cron(spec.cron, { paused: true, ...(spec.timezone ? { timezone: spec.timezone } : {}) }).nextRun(new Date(after));
  return run ? run.getTime() : undefined;
}

function parseCron(value: unknown, timezone: string | undefined): string {
  if (typeof value !== 'string') return invalid(Messages.cronInvalid(value, 'it must be a string'));
  const cron = value.trim();
  const fields = cron.split(/\s+/).length;
  // croner also takes 7 fields (years) and nicknames; OpenWhisk's packages take 5 or 6 fields.
  if (fields !== 5 && fields !== 6) return invalid(Messages.cronFieldCount(fields));
  try {
    new Cron(cron, { paused: true, ...(timezone ? { timezone } : {}) }).nextRun();
  } catch (err) {
    return invalid(Messages.cronInvalid(value, (err as Error).message));
  }
  return cron;
}

function parseTimezone(value: unknown): string {
  if (typeof value !== 'string') return invalid(Messages.timezoneInvalid(value));
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value;
  } catch {
    return invalid(Messages.timezoneInvalid(value));
  }
}

function parseRange(params: Readonly<Record<string, unknown>>, now: number): { startDate?: number; stopDate?: number } {
  const startDate = params.startDate === undefined || params.startDate === '' ? undefined : parseFutureDate('startDate', params.startDate, now);
  const stopDate = params.stopDate === undefined || params.stopDate === '' ? undefined : parseFutureDate('stopDate', params.stopDate, now);
  if (startDate !== undefined && stopDate !== undefined && stopDate <= startDate) {
    return invalid(Messages.dateNotAfterStart('stopDate', params.stopDate, params.startDate));
  }
  return { ...(startDate !== undefined ? { startDate } : {}), ...(stopDate !== undefined ? { stopDate } : {}) };
}

function parseFutureDate(param: string, value: unknown, now: number): number {
  const ms = typeof value === 'number' || typeof value === 'string' ? new Date(value).getTime() : Number.NaN;
  if (Number.isNaN(ms)) return invalid(Messages.dateInvalid(param, value));
  if (ms <= now) return invalid(Messages.dateNotFuture(param, value));
  return ms;
}

function parsePayload(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value === 'string') return { payload: value };
  if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  return invalid(Messages.payloadInvalid);
}

function invalid(message: string): never {
  throw new PlatformError('feed-parameter-invalid', message);
}
