import type { Logger } from '../../common/logging/logger';
import type { WarmContainer } from './warm-container';

// Pauses an idle warm container once it has stayed idle for the grace time (OpenWhisk: 50 ms),
// and resumes it when it is handed out again. Everyone handed a container while it resumes
// (several, with concurrency > 1) waits for that one resume and is answered together, by
// `onResumed`, so that a container lost in the resume is replaced once.

export interface PauseSchedulerOptions<H> {
  /** Undefined: nothing is ever paused (no grace configured, or a factory that cannot pause). */
  readonly graceMs: number | undefined;
  readonly logger: Logger;
  /** The resume ended: `ok` says whether the container is back; `holders` waited for it, first come first. */
  readonly onResumed: (entryId: string, warm: WarmContainer, ok: boolean, holders: H[]) => void;
}

export class PauseScheduler<H> {
  /** Idle containers waiting out the grace. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Containers paused (or being paused): whether the pause succeeded. */
  private readonly paused = new Map<string, Promise<boolean>>();
  /** Containers being resumed: who was handed them meanwhile. */
  private readonly resuming = new Map<string, H[]>();

  constructor(private readonly options: PauseSchedulerOptions<H>) {}

  /** The container went idle: pause it after the grace, unless `stillIdle` says it was handed out again (or is gone). */
  schedule(entryId: string, warm: WarmContainer, stillIdle: () => boolean): void {
    const graceMs = this.options.graceMs;
    if (graceMs === undefined || this.paused.has(entryId)) return;
    clearTimeout(this.timers.get(entryId));
    const timer = setTimeout(() => {
      this.timers.delete(entryId);
      if (!stillIdle()) return;
      this.paused.set(
        entryId,
        warm.container.pause().then(
          () => true,
          (error: unknown) => {
            this.options.logger.warn({ err: error, container: warm.container.name }, 'container pause failed');
            return false;
          },
        ),
      );
    }, graceMs);
    timer.unref();
    this.timers.set(entryId, timer);
  }

  /**
   * The container is handed out: a pending pause is cancelled. False: it was not paused and
   * serves at once. True: `holder` waits for the resume and is answered through `onResumed`.
   */
  wake(entryId: string, warm: WarmContainer, holder: H): boolean {
    this.cancel(entryId);
    let holders = this.resuming.get(entryId);
    if (!holders) {
      const paused = this.paused.get(entryId);
      if (!paused) return false;
      this.paused.delete(entryId);
      holders = [];
      this.resuming.set(entryId, holders);
      void paused.then((wasPaused) => (wasPaused ? this.resume(warm) : false)).then((ok) => this.resumed(entryId, warm, ok));
    }
    holders.push(holder);
    return true;
  }

  /** Paused, or being paused, now. */
  isPaused(entryId: string): boolean {
    return this.paused.has(entryId);
  }

  /** The container is gone: nothing is paused or resumed for it any more (a resume under way still answers its holders). */
  forget(entryId: string): void {
    this.cancel(entryId);
    this.paused.delete(entryId);
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private cancel(entryId: string): void {
    clearTimeout(this.timers.get(entryId));
    this.timers.delete(entryId);
  }

  private async resume(warm: WarmContainer): Promise<boolean> {
    try {
      await warm.container.resume();
      return true;
    } catch (error) {
      this.options.logger.warn({ err: error, container: warm.container.name }, 'container resume failed: replacing it');
      return false;
    }
  }

  private resumed(entryId: string, warm: WarmContainer, ok: boolean): void {
    const holders = this.resuming.get(entryId) ?? [];
    this.resuming.delete(entryId);
    this.options.onResumed(entryId, warm, ok, holders);
  }
}
