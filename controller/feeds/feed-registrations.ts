import { randomBytes } from 'node:crypto';
import { ALARM_FEEDS, isAlarmFeed, parseAlarmSpec } from '../../common/feeds/alarm-spec';
import { probeMessageSource, type MessageProbe } from '../../common/feeds/message-probe';
import { isMessageFeed, MESSAGE_FEEDS, parseMessageSpec } from '../../common/feeds/message-spec';
import { REGISTRATIONS_NAMESPACE, registrationKey, sealAuth, type FeedSpec, type RegistrationDoc } from '../../common/feeds/registration';
import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import type { TriggerDoc } from '../../common/entities/trigger';
import type { MessageKey } from '../../common/protocol/message-seal';
import type { EntityStore, Stored } from '../../common/spi/entity-store';
import { retry, TRY_AGAIN } from '../../common/retry/retry';

// The feed lifecycle's server side (ADR 0017): a /whisk.system/alarms feed action calls these
// through the controller's registration route, authenticated with the authKey it was given, so
// "may this key fire that trigger" is the route's ordinary authentication and namespace check.
// The triggers service reads what is stored here and never answers the feed action itself.

export interface FeedReadAnswer {
  readonly config: Record<string, unknown>;
  readonly status: { active: boolean; dateChanged: number; dateChangedISO: string; reason?: unknown; [more: string]: unknown };
}

export class FeedRegistrations {
  constructor(
    private readonly store: EntityStore,
    private readonly messageKey: MessageKey,
    private readonly now: () => number = Date.now,
    /** A messaging feed's broker check (ADR 0026); tests pass a stand-in. */
    private readonly probe: MessageProbe = probeMessageSource,
    /** `host:port` or `host` entries feeds may connect to; empty: any (controller config `feedAllowedHosts`). */
    private readonly allowedHosts: readonly string[] = [],
  ) {}

  /** The validated spec; a messaging feed's broker is asked first (bounded), so a bad one fails CREATE. */
  private async parseSpec(feed: unknown, params: Record<string, unknown>, at: number): Promise<FeedSpec> {
    if (isMessageFeed(feed)) {
      const spec = parseMessageSpec(feed, params);
      // Refused before any connection is tried: a CREATE must not probe what it may not reach.
      for (const host of 'brokers' in spec ? spec.brokers : spec.servers) {
        if (!hostAllowed(host, this.allowedHosts)) throw new PlatformError('feed-source-refused', Messages.feedHostRefused(host));
      }
      return this.probe(spec);
    }
    if (isAlarmFeed(feed)) return parseAlarmSpec(feed, params, at);
    throw new PlatformError('feed-parameter-invalid', Messages.feedUnknown(feed, [...ALARM_FEEDS, ...MESSAGE_FEEDS]));
  }

  async create(namespace: string, trigger: string, auth: string, feed: unknown, params: Record<string, unknown>): Promise<RegistrationDoc> {
    await this.requireTrigger(namespace, trigger);
    const at = this.now();
    const spec = await this.parseSpec(feed, params, at);
    const id = randomBytes(8).toString('hex');
    const doc: RegistrationDoc = {
      entityType: 'registration',
      id,
      namespace,
      trigger,
      spec,
      params,
      sealedAuth: sealAuth(this.messageKey, auth, { namespace, trigger, id }),
      status: { active: true, dateChanged: at },
      createdAt: at,
      updatedAt: at,
    };
    const key = registrationKey(namespace, trigger);
    return retry(
      async () => {
        const existing = await this.store.get<RegistrationDoc>(REGISTRATIONS_NAMESPACE, key);
        // An inactive one is what a trigger deleted without its feed leaves behind (disabled at its next fire).
        if (existing?.doc.status.active) throw new PlatformError('feed-registration-exists', Messages.feedRegistrationExists(`/${namespace}/${trigger}`));
        const outcome = await this.store.put(REGISTRATIONS_NAMESPACE, key, doc, existing ? existing.revision : null);
        return outcome.ok ? doc : TRY_AGAIN;
      },
      { attempts: 5, exhausted: () => new PlatformError('revision-conflict', Messages.concurrentModification) },
    );
  }

  async read(namespace: string, trigger: string): Promise<FeedReadAnswer> {
    return readAnswer((await this.require(namespace, trigger)).doc);
  }

  /** Merges the given parameters into the stored ones, validates the result, and makes the feed active again. */
  async update(namespace: string, trigger: string, auth: string, params: Record<string, unknown>): Promise<RegistrationDoc> {
    return retry(
      async () => {
        const stored = await this.require(namespace, trigger);
        const at = this.now();
        const merged: Record<string, unknown> = { ...stored.doc.params, ...params };
        // A startDate that has passed no longer constrains anything; it must not fail an UPDATE of the cron.
        if (params.startDate === undefined && 'startDate' in stored.doc.spec && stored.doc.spec.startDate !== undefined && stored.doc.spec.startDate <= at) delete merged.startDate;
        const previous = stored.doc.spec;
        let spec = await this.parseSpec(previous.feed, merged, at);
        // The consumer group keeps its offsets across an UPDATE of the same topic: where it started is kept too.
        if (spec.feed === 'kafkaFeed' && previous.feed === 'kafkaFeed' && previous.topic === spec.topic && previous.startOffsets) spec = { ...spec, startOffsets: previous.startOffsets };
        if (spec.feed === 'natsFeed' && previous.feed === 'natsFeed' && previous.stream === spec.stream && previous.startSequence !== undefined) spec = { ...spec, startSequence: previous.startSequence };
        const doc: RegistrationDoc = {
          ...stored.doc,
          spec,
          params: merged,
          sealedAuth: sealAuth(this.messageKey, auth, stored.doc),
          status: { active: true, dateChanged: at },
          // A changed schedule starts from now: ticks the old one missed are not the new one's to fire.
          lastTick: Math.max(stored.doc.lastTick ?? 0, at),
          updatedAt: at,
        };
        const outcome = await this.store.put(REGISTRATIONS_NAMESPACE, registrationKey(namespace, trigger), doc, stored.revision);
        return outcome.ok ? doc : TRY_AGAIN;
      },
      { attempts: 5, exhausted: () => new PlatformError('revision-conflict', Messages.concurrentModification) },
    );
  }

  /**
   * PAUSE (`active: false`) stops the fires and keeps the registration; UNPAUSE starts them again
   * from now: the ticks of the pause are not caught up.
   */
  async setActive(namespace: string, trigger: string, active: boolean): Promise<RegistrationDoc> {
    return retry(
      async () => {
        const stored = await this.require(namespace, trigger);
        const at = this.now();
        if (stored.doc.status.active === active) return stored.doc;
        const doc: RegistrationDoc = {
          ...stored.doc,
          status: active ? { active, dateChanged: at } : { active, dateChanged: at, reason: { kind: 'USER', message: 'Paused by the feed lifecycle event PAUSE' } },
          ...(active ? { lastTick: Math.max(stored.doc.lastTick ?? 0, at) } : {}),
          updatedAt: at,
        };
        const outcome = await this.store.put(REGISTRATIONS_NAMESPACE, registrationKey(namespace, trigger), doc, stored.revision);
        return outcome.ok ? doc : TRY_AGAIN;
      },
      { attempts: 5, exhausted: () => new PlatformError('revision-conflict', Messages.concurrentModification) },
    );
  }

  async delete(namespace: string, trigger: string): Promise<void> {
    if (!(await this.store.delete(REGISTRATIONS_NAMESPACE, registrationKey(namespace, trigger)))) {
      throw new PlatformError('feed-registration-not-found', Messages.feedRegistrationMissing(`/${namespace}/${trigger}`));
    }
  }

  private async require(namespace: string, trigger: string): Promise<Stored<RegistrationDoc>> {
    const stored = await this.store.get<RegistrationDoc>(REGISTRATIONS_NAMESPACE, registrationKey(namespace, trigger));
    if (!stored) throw new PlatformError('feed-registration-not-found', Messages.feedRegistrationMissing(`/${namespace}/${trigger}`));
    return stored;
  }

  private async requireTrigger(namespace: string, trigger: string): Promise<void> {
    const stored = await this.store.get<TriggerDoc>(namespace, trigger);
    if (!stored) throw new PlatformError('trigger-not-found', Messages.triggerDoesNotExist(`/${namespace}/${trigger}`));
    if (stored.doc.entityType !== 'trigger') throw new PlatformError('entity-in-other-collection', Messages.wrongCollection);
  }
}

/** READ's answer, shaped as the alarms package's web action answers GET. */
export function readAnswer(doc: RegistrationDoc): FeedReadAnswer {
  const { spec } = doc;
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  const { status } = doc;
  const statusAnswer = { active: status.active, dateChanged: status.dateChanged, dateChangedISO: new Date(status.dateChanged).toISOString(), ...(status.reason ? { reason: status.reason } : {}) };
  if (spec.feed === 'kafkaFeed' || spec.feed === 'natsFeed') {
    const { startOffsets: _startOffsets, startSequence: _startSequence, ...shown } = spec as typeof spec & { startOffsets?: unknown; startSequence?: unknown };
    const source = doc.source;
    return {
      config: { name: doc.trigger, namespace: doc.namespace, ...shown, delivery: spec.feed === 'natsFeed' && !spec.stream ? 'at-most-once (core NATS: messages published while no replica is subscribed are lost)' : 'at-least-once' },
      status: {
        ...statusAnswer,
        source: source ? { state: source.state, ...(source.reason ? { reason: source.reason } : {}), since: new Date(source.since).toISOString(), ...(source.replica ? { replica: source.replica } : {}) } : { state: 'starting' },
        fired: source?.fired ?? 0,
        skipped: source?.skipped ?? { notJson: 0, oversize: 0 },
      },
    };
  }
  const config: Record<string, unknown> = { name: doc.trigger, namespace: doc.namespace, feed: spec.feed, payload: spec.payload };
  if (spec.feed === 'once') Object.assign(config, { date: iso(spec.date), deleteAfterFire: spec.deleteAfterFire });
  else {
    if (spec.feed === 'alarm') Object.assign(config, { cron: spec.cron, ...(spec.timezone ? { timezone: spec.timezone } : {}) });
    else config.minutes = spec.minutes;
    if (spec.startDate !== undefined) config.startDate = iso(spec.startDate);
    if (spec.stopDate !== undefined) config.stopDate = iso(spec.stopDate);
  }
  if (doc.lastTick !== undefined) config.lastFired = iso(doc.lastTick);
  return { config, status: statusAnswer };
}

/** `host:port` matches an entry that is the same `host:port`, or the bare `host`; no entries: all match. */
export function hostAllowed(hostPort: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const host = hostPort.slice(0, hostPort.lastIndexOf(':')).toLowerCase();
  return allowed.some((entry) => entry.toLowerCase() === hostPort.toLowerCase() || entry.toLowerCase() === host);
}
