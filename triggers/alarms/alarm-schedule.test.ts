import type { AlarmSpec } from '../../common/feeds/alarm-spec';
import { scheduleStep } from './alarm-schedule';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const everySecond: AlarmSpec = { feed: 'alarm', cron: '* * * * * *', payload: {} };

describe('scheduleStep', () => {
  it('waits for the first tick after the registration was made', () => {
    expect(scheduleStep({ spec: everySecond, createdAt: T0 + 200 }, T0 + 300)).toEqual({ kind: 'wait', until: T0 + 1000 });
  });

  it('fires a tick once it is due, and not again once it is the position', () => {
    expect(scheduleStep({ spec: everySecond, createdAt: T0 }, T0 + 1000)).toEqual({ kind: 'fire', tick: T0 + 1000, last: false });
    expect(scheduleStep({ spec: everySecond, createdAt: T0, lastTick: T0 + 1000 }, T0 + 1000)).toEqual({ kind: 'wait', until: T0 + 2000 });
  });

  it('after a restart fires only the newest missed tick', () => {
    expect(scheduleStep({ spec: everySecond, createdAt: T0, lastTick: T0 + 1000 }, T0 + 30_400)).toEqual({ kind: 'fire', tick: T0 + 30_000, last: false });
  });

  it('marks the last tick before the stopDate, and finishes once it is the position', () => {
    const spec: AlarmSpec = { ...everySecond, stopDate: T0 + 2000 };
    expect(scheduleStep({ spec, createdAt: T0, lastTick: T0 + 1000 }, T0 + 2000)).toEqual({ kind: 'fire', tick: T0 + 2000, last: true });
    expect(scheduleStep({ spec, createdAt: T0, lastTick: T0 + 2000 }, T0 + 2500)).toEqual({ kind: 'finished', message: 'Automatically disabled after firing last scheduled cron trigger' });
  });

  it('once: fires at its date as the last tick; a date already fired is finished', () => {
    const spec: AlarmSpec = { feed: 'once', date: T0 + 5000, deleteAfterFire: 'false', payload: {} };
    expect(scheduleStep({ spec, createdAt: T0 }, T0 + 4999)).toEqual({ kind: 'wait', until: T0 + 5000 });
    expect(scheduleStep({ spec, createdAt: T0 }, T0 + 9000)).toEqual({ kind: 'fire', tick: T0 + 5000, last: true });
    expect(scheduleStep({ spec, createdAt: T0, lastTick: T0 + 5000 }, T0 + 9000)).toEqual({ kind: 'finished', message: 'Automatically disabled after firing once' });
  });

  it('an interval ticks every period from its startDate', () => {
    const spec: AlarmSpec = { feed: 'interval', minutes: 1, startDate: T0 + 10_000, payload: {} };
    expect(scheduleStep({ spec, createdAt: T0 }, T0)).toEqual({ kind: 'wait', until: T0 + 10_000 });
    expect(scheduleStep({ spec, createdAt: T0, lastTick: T0 + 10_000 }, T0 + 70_000)).toEqual({ kind: 'fire', tick: T0 + 70_000, last: false });
  });
});
