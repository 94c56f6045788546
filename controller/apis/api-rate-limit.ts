// Per-API rate limit of the gateway: at most `perMinute` requests per (namespace, base path) in
// each one-minute window, counted in this controller's memory. It guards an API's backend from a
// burst at its public URL; the namespace's own invocation throttles still apply behind it, shared
// across controllers, so a per-controller count is enough here. 0 turns the limit off.

export class ApiRateLimit {
  private windowStart = 0;
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request for the API and says whether it may go on. */
  take(namespace: string, basePath: string): boolean {
    if (this.perMinute <= 0) return true;
    const window = Math.floor(this.now() / 60_000);
    if (window !== this.windowStart) {
      this.windowStart = window;
      this.counts.clear();
    }
    const key = `${namespace}\n${basePath}`;
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return count <= this.perMinute;
  }
}
