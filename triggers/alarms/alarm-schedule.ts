import { latestDueTick, nextTick, type AlarmSpec } from '../../common/feeds/alarm-spec';
import type { RegistrationDoc } from '../../common/feeds/registration';

// What an alarm registration should do now, from its spec and position alone (pure). Only the
// newest due tick fires: after a restart or a long retry, the ticks missed before it are skipped,
// as a cron daemon does, rather than fired in a burst.

export type ScheduleStep =
  | { readonly kind: 'fire'; readonly tick: number; /** No tick follows: the registration ends once this one is accepted. */ readonly last: boolean }
  | { readonly kind: 'wait'; readonly until: number }
  | { readonly kind: 'finished'; readonly message: string };

export function scheduleStep(doc: Pick<RegistrationDoc<AlarmSpec>, 'spec' | 'lastTick' | 'createdAt'>, now: number): ScheduleStep {
  const after = doc.lastTick ?? doc.createdAt;
  const due = latestDueTick(doc.spec, after, now, doc.createdAt);
  if (due !== undefined) return { kind: 'fire', tick: due, last: nextTick(doc.spec, due, doc.createdAt) === undefined };
  const next = nextTick(doc.spec, after, doc.createdAt);
  if (next !== undefined) return { kind: 'wait', until: next };
  return { kind: 'finished', message: finishedMessage(doc.spec.feed) };
}

/** OpenWhisk's provider's sentences for a schedule that has run out. */
export function finishedMessage(feed: AlarmSpec['feed']): string {
  switch (feed) {
    case 'once':
      return 'Automatically disabled after firing once';
    case 'alarm':
      return 'Automatically disabled after firing last scheduled cron trigger';
    case 'interval':
      return 'Automatically disabled after firing last scheduled interval trigger';
  }
}
