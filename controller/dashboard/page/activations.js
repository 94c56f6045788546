// The activations the page has seen in the last hour, kept by id: each poll asks for those started
// since a little before the newest one known (an activation is listed once it ends, possibly after
// later ones started), and merges them in.

export const HOUR_MS = 60 * 60 * 1000;
/** How far before the newest start each poll looks again, for activations that end late. */
export const OVERLAP_MS = 5 * 60 * 1000;

const STATUS = ['success', 'application_error', 'developer_error', 'internal_error'];

export class ActivationWindow {
  constructor() {
    this.byId = new Map();
  }

  /** The `since` of the next poll. */
  since(now) {
    let newest = 0;
    for (const a of this.byId.values()) newest = Math.max(newest, a.start);
    return Math.max(now - HOUR_MS, newest - OVERLAP_MS);
  }

  merge(summaries, now) {
    for (const a of summaries) if (typeof a.activationId === 'string' && typeof a.start === 'number') this.byId.set(a.activationId, a);
    for (const [id, a] of this.byId) if (a.start < now - HOUR_MS) this.byId.delete(id);
  }

  /** Newest first. */
  list() {
    return [...this.byId.values()].sort((a, b) => b.start - a.start);
  }
}

export const statusWord = (a) => (typeof a.statusCode === 'number' ? (STATUS[a.statusCode] ?? 'unknown') : 'running');

export const startKind = (a) => {
  const found = (Array.isArray(a.annotations) ? a.annotations : []).find((x) => x && x.key === 'startKind');
  return found && typeof found.value === 'string' ? found.value : '';
};

/** 60 one-minute buckets ending at `now`: how many activations started in each, and the median duration of those that ended. */
export function perMinute(activations, now) {
  const end = Math.ceil(now / 60000) * 60000;
  const buckets = Array.from({ length: 60 }, (_, i) => ({ at: end - (60 - i) * 60000, count: 0, durations: [] }));
  for (const a of activations) {
    const i = 59 - Math.floor((end - 1 - a.start) / 60000);
    if (i < 0 || i > 59) continue;
    buckets[i].count += 1;
    if (typeof a.duration === 'number') buckets[i].durations.push(a.duration);
  }
  return buckets.map(({ at, count, durations }) => ({ at, count, p50: median(durations) }));
}

function median(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
