import type { Heartbeat } from '../../common/protocol/heartbeat';

// Pure: what a controller concludes about an invoker from its last heartbeat (DESIGN.md §7).
// Three missed beats mean down; a consumer that crashed or has not fetched for a long time
// means unhealthy — the invoker is alive but would not pick up new work.

export type InvokerState = 'up' | 'unhealthy' | 'down';

export const MISSED_BEATS_DOWN = 3;
export const STALLED_FETCH_MS = 30_000;

export function invokerState(beat: Heartbeat, receivedAt: number, now: number, intervalMs: number): InvokerState {
  if (now - receivedAt > MISSED_BEATS_DOWN * intervalMs) return 'down';
  const consumer = beat.consumer;
  if (consumer.state === 'crashed' || consumer.state === 'stopped') return 'unhealthy';
  if (consumer.state === 'running' && consumer.lastFetchAt > 0 && beat.sentAt - consumer.lastFetchAt > STALLED_FETCH_MS) return 'unhealthy';
  return 'up';
}
