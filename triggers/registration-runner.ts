import { isAlarmFeed, type AlarmSpec } from '../common/feeds/alarm-spec';
import { fireIdOf, REGISTRATIONS_NAMESPACE, unsealAuth, type RegistrationDoc, type RegistrationStatus } from '../common/feeds/registration';
import type { Logger } from '../common/logging/logger';
import type { MessageKey } from '../common/protocol/message-seal';
import type { EntityStore } from '../common/spi/entity-store';
import type { LeaderLock } from '../common/spi/leader-lock';
import { finishedMessage, scheduleStep } from './alarms/alarm-schedule';
import type { Clock } from './clock';
import { fireVerdict, type Backoff } from './fire-verdict';
import { updateRegistration } from './registration-update';
import type { TriggerClient } from './trigger-client';

// The I/O driver of one alarm registration this replica holds the lease of: it reads the
// registration, asks the schedule what to do, fires through the controller, and moves the
// position only after a 2xx. The store is read again before every step; while it waits, the
// service's scan wakes it when the registration's revision is not the one it last saw (an
// UPDATE through the controller), and `recheckMs` bounds the wait in any case.

export interface RunnerDeps {
  readonly store: EntityStore;
  readonly client: TriggerClient;
  readonly messageKey: MessageKey;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This registration's lease; renewed before every fire attempt, so a replica that lost it stops firing. */
  readonly lease: LeaderLock;
  readonly holder: string;
  readonly leaseMs: number;
  readonly backoff: Backoff;
  /** The longest wait between two reads of the registration. */
  readonly recheckMs: number;
}

type TickOutcome = 'accepted' | 'disabled' | 'stopped';

export class RegistrationRunner {
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;
  /** The revision this runner last read or wrote; another one means someone else changed the registration. */
  private revision: string | undefined;
  private napping: AbortController | undefined;

  constructor(
    readonly key: string,
    private readonly deps: RunnerDeps,
  ) {
    this.done = this.loop().catch((err: unknown) => this.deps.logger.error({ err, registration: key }, 'registration runner failed; the next scan starts it again'));
  }

  get running(): boolean {
    return !this.abort.signal.aborted;
  }

  /** Told by the scan which revision is stored now: a different one cuts the current wait short. */
  notice(revision: string): void {
    if (this.revision !== undefined && revision !== this.revision) this.napping?.abort();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private async loop(): Promise<void> {
    const { clock, store } = this.deps;
    try {
      while (!this.abort.signal.aborted) {
        const stored = await store.get<RegistrationDoc>(REGISTRATIONS_NAMESPACE, this.key);
        if (!stored || stored.doc.entityType !== 'registration' || !stored.doc.status.active || !isAlarmFeed(stored.doc.spec.feed)) return;
        const doc = stored.doc as RegistrationDoc<AlarmSpec>;
        this.revision = stored.revision;
        const now = clock.now();
        const step = scheduleStep(doc, now);
        if (step.kind === 'wait') {
          await this.nap(Math.min(step.until - now, this.deps.recheckMs));
        } else if (step.kind === 'finished') {
          await this.setStatus(doc.id, { active: false, dateChanged: clock.now(), reason: { kind: 'AUTO', message: step.message } });
          return;
        } else {
          const outcome = await this.fireTick(doc, step.tick);
          if (outcome !== 'accepted') return;
          await this.accepted(doc, step.tick, step.last);
          if (step.last) return;
        }
      }
    } finally {
      this.abort.abort();
    }
  }

  /** Sleeps until `ms` pass, the runner stops, or `notice` sees a revision it did not write. */
  private async nap(ms: number): Promise<void> {
    const napping = new AbortController();
    this.napping = napping;
    const stop = () => napping.abort();
    this.abort.signal.addEventListener('abort', stop, { once: true });
    try {
      await this.deps.clock.sleep(ms, napping.signal);
    } finally {
      this.abort.signal.removeEventListener('abort', stop);
      this.napping = undefined;
    }
  }

  private async fireTick(doc: RegistrationDoc<AlarmSpec>, tick: number): Promise<TickOutcome> {
    const log = this.deps.logger.child({ namespace: doc.namespace, trigger: doc.trigger, tick: new Date(tick).toISOString() });
    const auth = unsealAuth(this.deps.messageKey, doc);
    if (auth === undefined) {
      // Sealed with another WISP_MESSAGE_KEY: no retry can open it; the user must create the feed again.
      await this.setStatus(doc.id, { active: false, dateChanged: this.deps.clock.now(), reason: { kind: 'AUTO', message: 'Automatically disabled: the stored key cannot be opened with this WISP_MESSAGE_KEY' } });
      return 'disabled';
    }
    const fireId = fireIdOf(doc, tick);
    for (let attempt = 1; !this.abort.signal.aborted; attempt++) {
      if (!(await this.deps.lease.acquire(this.deps.holder, this.deps.leaseMs))) return 'stopped';
      const answer = await this.deps.client.fire(auth, doc.namespace, doc.trigger, doc.spec.payload, fireId);
      const verdict = fireVerdict(answer, attempt, this.deps.backoff);
      if (verdict.kind === 'accepted') return 'accepted';
      if (verdict.kind === 'disable') {
        log.warn({ status: answer }, 'trigger fire refused; registration disabled');
        await this.setStatus(doc.id, { active: false, dateChanged: this.deps.clock.now(), reason: { kind: 'AUTO', statusCode: verdict.statusCode, message: verdict.message } });
        return 'disabled';
      }
      log.warn({ status: answer, attempt, retryInMs: verdict.delayMs }, 'trigger fire not accepted; retrying the same tick');
      await this.deps.clock.sleep(verdict.delayMs, this.abort.signal);
    }
    return 'stopped';
  }

  private async accepted(doc: RegistrationDoc<AlarmSpec>, tick: number, last: boolean): Promise<void> {
    if (last && doc.spec.feed === 'once' && doc.spec.deleteAfterFire !== 'false') {
      const auth = unsealAuth(this.deps.messageKey, doc);
      try {
        if (auth !== undefined) await this.deps.client.deleteTrigger(auth, doc.namespace, doc.trigger, doc.spec.deleteAfterFire === 'rules');
      } catch (err) {
        this.deps.logger.warn({ err, namespace: doc.namespace, trigger: doc.trigger }, 'deleteAfterFire: the trigger could not be deleted');
      }
      await this.deps.store.delete(REGISTRATIONS_NAMESPACE, this.key);
      return;
    }
    await this.update(doc.id, (current) => ({
      ...current,
      lastTick: Math.max(current.lastTick ?? 0, tick),
      ...(last && isAlarmFeed(current.spec.feed) ? { status: { active: false, dateChanged: this.deps.clock.now(), reason: { kind: 'AUTO' as const, message: finishedMessage(current.spec.feed) } } } : {}),
    }));
  }

  private async setStatus(id: string, status: RegistrationStatus): Promise<void> {
    await this.update(id, (current) => ({ ...current, status }));
  }

  private async update(id: string, change: (current: RegistrationDoc) => RegistrationDoc): Promise<void> {
    const revision = await updateRegistration(this.deps.store, this.key, id, change);
    if (revision !== undefined) this.revision = revision;
  }
}
