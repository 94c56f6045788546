import { isMessageFeed, type MessageSpec } from '../../common/feeds/message-spec';
import { REGISTRATIONS_NAMESPACE, unsealAuth, type RegistrationDoc, type RegistrationStatus, type SourceState } from '../../common/feeds/registration';
import { fireVerdict } from '../fire-verdict';
import type { RunnerDeps } from '../registration-runner';
import { updateRegistration } from '../registration-update';
import { batchDue, batchFireId, batchLength, batchLimits, encodeMessage, type EncodedMessage, type RawMessage } from './message-batch';
import type { MessageSource } from './message-source';

// The I/O driver of one messaging feed this replica holds the lease of (ADR 0026): it runs the
// registration's source, queues messages per lane, fires one lane's batch at a time through the
// controller (so a partition's order holds), and tells the source a batch is done only after its
// fire got a 2xx; 429/5xx/no answer retry the same batch with the same fire id; another 4xx
// disables the registration. Counts and the source's state are written to the registration
// (at most once a second), where READ shows them.

export interface MessageRunnerDeps extends RunnerDeps {
  readonly openSource: (doc: RegistrationDoc<MessageSpec>) => MessageSource;
}

type Outcome = 'changed' | 'stopped' | 'disabled';

interface Queued extends EncodedMessage {
  readonly raw: RawMessage;
}

interface Lane {
  readonly items: Queued[];
  oldestAt: number;
}

const PERSIST_EVERY_MS = 1000;
/** The longest nap: health is looked at and counts written at least this often. */
const TICK_MS = 250;

export class MessageFeedRunner {
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;
  private revision: string | undefined;
  private noticed = false;
  private napping: AbortController | undefined;
  /** The registration as this runner last ran it. */
  private ran: RegistrationDoc<MessageSpec> | undefined;

  constructor(
    readonly key: string,
    private readonly deps: MessageRunnerDeps,
  ) {
    this.done = this.loop().catch((err: unknown) => this.deps.logger.error({ err, registration: key }, 'message feed runner failed; the next scan starts it again'));
  }

  get running(): boolean {
    return !this.abort.signal.aborted;
  }

  notice(revision: string): void {
    if (this.revision !== undefined && revision !== this.revision) {
      this.noticed = true;
      this.napping?.abort();
    }
  }

  /** `forget` when the registration was deleted: the consumer group or durable consumer goes too. */
  async stop(forget = false): Promise<void> {
    this.abort.abort();
    this.napping?.abort();
    await this.done;
    if (forget && this.ran) await this.deps.openSource(this.ran).forget();
  }

  private async loop(): Promise<void> {
    try {
      while (!this.abort.signal.aborted) {
        const stored = await this.deps.store.get<RegistrationDoc>(REGISTRATIONS_NAMESPACE, this.key);
        // Deleted, or created again as another registration: what the old one kept on the broker goes.
        if (this.ran && (!stored || stored.doc.id !== this.ran.id)) await this.deps.openSource(this.ran).forget();
        if (!stored || stored.doc.entityType !== 'registration' || !stored.doc.status.active || !isMessageFeed(stored.doc.spec.feed)) return;
        const doc = stored.doc as RegistrationDoc<MessageSpec>;
        this.revision = stored.revision;
        this.ran = doc;
        const outcome = await this.runSource(doc);
        if (outcome !== 'changed') return;
      }
    } finally {
      this.abort.abort();
    }
  }

  private async runSource(doc: RegistrationDoc<MessageSpec>): Promise<Outcome> {
    const { clock, logger } = this.deps;
    const log = logger.child({ namespace: doc.namespace, trigger: doc.trigger, feed: doc.spec.feed });
    const auth = unsealAuth(this.deps.messageKey, doc);
    if (auth === undefined) {
      await this.setStatus(doc.id, { active: false, dateChanged: clock.now(), reason: { kind: 'AUTO', message: 'Automatically disabled: the stored key cannot be opened with this WISP_MESSAGE_KEY' } });
      return 'disabled';
    }
    const limits = batchLimits(doc.spec);
    const lanes = new Map<string, Lane>();
    let queued = 0;
    let paused = false;
    const skipped = { notJson: 0, oversize: 0, ...doc.source?.skipped };
    const state: { -readonly [K in keyof SourceState]: SourceState[K] } = { state: 'running', since: clock.now(), fired: doc.source?.fired ?? 0, skipped, replica: this.deps.holder };
    let dirty = true;
    let persistedAt = 0;
    const setState = (next: 'running' | 'retrying', reason?: string) => {
      if (state.state === next && state.reason === reason) return;
      if (next === 'retrying') log.warn({ reason }, 'message feed retrying');
      state.state = next;
      state.reason = reason;
      state.since = clock.now();
      dirty = true;
      persistedAt = 0;
    };
    const source = this.deps.openSource(doc);
    const onMessage = (raw: RawMessage) => {
      const encoded = encodeMessage(raw, doc.spec);
      if ('skip' in encoded) {
        skipped[encoded.skip]++;
        dirty = true;
        log.warn({ lane: raw.lane, position: raw.position, cause: encoded.skip }, 'message skipped');
        source.done([raw]);
        return;
      }
      let lane = lanes.get(raw.lane);
      if (!lane) lanes.set(raw.lane, (lane = { items: [], oldestAt: clock.now() }));
      if (lane.items.length === 0) lane.oldestAt = clock.now();
      lane.items.push({ ...encoded, raw });
      queued++;
      if (!paused && queued >= 4 * limits.batchSize) {
        paused = true;
        source.pause();
      }
      this.napping?.abort();
    };

    try {
      for (let attempt = 1; ; attempt++) {
        if (this.abort.signal.aborted) return 'stopped';
        if (await this.changedUnderneath(doc)) return 'changed';
        try {
          await source.start(onMessage);
          break;
        } catch (err) {
          await source.close().catch(() => undefined);
          setState('retrying', (err as Error).message);
          await this.persist(doc.id, state);
          const verdict = fireVerdict('unreachable', attempt, this.deps.backoff);
          await this.nap(verdict.kind === 'retry' ? verdict.delayMs : this.deps.backoff.firstMs);
        }
      }
      setState('running');

      while (!this.abort.signal.aborted) {
        if (await this.changedUnderneath(doc)) return 'changed';
        const health = source.health();
        if (!health.ok) setState('retrying', health.reason);
        else if (state.state === 'retrying') setState('running');

        const now = clock.now();
        let next = now + TICK_MS;
        let due: Lane | undefined;
        for (const lane of lanes.values()) {
          const verdict = batchDue(lane.items, lane.oldestAt, now, limits);
          if (verdict.due) {
            due = lane;
            break;
          }
          next = Math.min(next, verdict.at);
        }
        if (due) {
          const batch = due.items.slice(0, batchLength(due.items, limits));
          const outcome = await this.fireBatch(doc, auth, batch, (reason) => setState(reason ? 'retrying' : 'running', reason));
          if (outcome === 'disabled') return 'disabled';
          if (outcome === 'stopped') return 'stopped';
          due.items.splice(0, batch.length);
          due.oldestAt = clock.now();
          queued -= batch.length;
          source.done(batch.map((m) => m.raw));
          state.fired += batch.length;
          dirty = true;
          if (paused && queued < 2 * limits.batchSize) {
            paused = false;
            source.resume();
          }
        }
        if (dirty && clock.now() - persistedAt >= PERSIST_EVERY_MS) {
          dirty = false;
          persistedAt = clock.now();
          await this.persist(doc.id, state);
        }
        if (!due) await this.nap(Math.max(0, next - clock.now()));
      }
      return 'stopped';
    } finally {
      await source.close().catch((err: unknown) => log.warn({ err }, 'message source close failed'));
      if (dirty) await this.persist(doc.id, state).catch(() => undefined);
    }
  }

  /** Fires one batch until it is accepted, refused for good, or the runner stops or loses its lease. */
  private async fireBatch(doc: RegistrationDoc<MessageSpec>, auth: string, batch: readonly Queued[], retrying: (reason?: string) => void): Promise<'accepted' | Outcome> {
    const first = batch[0]!;
    const fireId = batchFireId(doc.id, first.lane, first.position, batch[batch.length - 1]!.position);
    const payload = { messages: batch.map((m) => m.entry) };
    for (let attempt = 1; !this.abort.signal.aborted; attempt++) {
      if (!(await this.deps.lease.acquire(this.deps.holder, this.deps.leaseMs))) return 'stopped';
      const answer = await this.deps.client.fire(auth, doc.namespace, doc.trigger, payload, fireId);
      const verdict = fireVerdict(answer, attempt, this.deps.backoff);
      if (verdict.kind === 'accepted') {
        if (attempt > 1) retrying(undefined);
        return 'accepted';
      }
      if (verdict.kind === 'disable') {
        this.deps.logger.warn({ namespace: doc.namespace, trigger: doc.trigger, status: answer }, 'trigger fire refused; registration disabled');
        await this.setStatus(doc.id, { active: false, dateChanged: this.deps.clock.now(), reason: { kind: 'AUTO', statusCode: verdict.statusCode, message: verdict.message } });
        return 'disabled';
      }
      retrying(`the fire of ${batch.length} message(s) was answered ${answer}; retrying`);
      await this.deps.clock.sleep(verdict.delayMs, this.abort.signal);
    }
    return 'stopped';
  }

  /** After a scan saw another revision: did someone else change what this source runs (UPDATE, PAUSE, DELETE)? */
  private async changedUnderneath(running: RegistrationDoc<MessageSpec>): Promise<boolean> {
    if (!this.noticed) return false;
    this.noticed = false;
    const stored = await this.deps.store.get<RegistrationDoc>(REGISTRATIONS_NAMESPACE, this.key);
    if (!stored) return true;
    const now = stored.doc;
    if (now.id !== running.id || !now.status.active || now.sealedAuth !== running.sealedAuth || JSON.stringify(now.spec) !== JSON.stringify(running.spec)) return true;
    this.revision = stored.revision;
    return false;
  }

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

  private async persist(id: string, state: SourceState): Promise<void> {
    const snapshot: SourceState = { ...state, skipped: { ...state.skipped } };
    await this.update(id, (current) => ({ ...current, source: snapshot }));
  }

  private async setStatus(id: string, status: RegistrationStatus): Promise<void> {
    await this.update(id, (current) => ({ ...current, status }));
  }

  private async update(id: string, change: (current: RegistrationDoc) => RegistrationDoc): Promise<void> {
    const revision = await updateRegistration(this.deps.store, this.key, id, change);
    if (revision !== undefined) this.revision = revision;
  }
}
