import { REGISTRATIONS_NAMESPACE, type RegistrationDoc } from '../common/feeds/registration';
import type { Logger } from '../common/logging/logger';
import type { MessageKey } from '../common/protocol/message-seal';
import type { EntityStore, Stored } from '../common/spi/entity-store';
import type { LeaderLock } from '../common/spi/leader-lock';
import type { Clock } from './clock';
import type { Backoff } from './fire-verdict';
import { isMessageFeed, type MessageSpec } from '../common/feeds/message-spec';
import type { MessageSource } from './messages/message-source';
import { MessageFeedRunner } from './messages/message-feed-runner';
import { RegistrationRunner } from './registration-runner';
import type { TriggerClient } from './trigger-client';

// The triggers service (DESIGN §9, ADR 0017): every `scanMs` it lists the feed registrations in
// the EntityStore and takes or renews a lease on each active one; it runs the registrations whose
// lease it holds and stops the ones it lost, so replicas share the registrations and one whose
// process dies hands them over within one lease.

export interface TriggersServiceDeps {
  readonly store: EntityStore;
  readonly client: TriggerClient;
  readonly messageKey: MessageKey;
  /** The lease of one registration (by its key): a Redis key in the distributed profile, memory in standalone. */
  readonly leaseFor: (registrationKey: string) => LeaderLock;
  readonly holder: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly scanMs: number;
  readonly leaseMs: number;
  readonly backoff: Backoff;
  /** A messaging feed's source on the broker it names (ADR 0026); without it, messaging feeds are not run here. */
  readonly openSource?: (doc: RegistrationDoc<MessageSpec>) => MessageSource;
}

/** What the service asks of a registration's runner, whichever feed it runs. */
interface Runner {
  readonly running: boolean;
  notice(revision: string): void;
  stop(forget?: boolean): Promise<void>;
}

const PAGE = 200;
/** A waiting runner reads its registration at least this often even if no scan wakes it. */
const RECHECK_MIN_MS = 30_000;

export class TriggersService {
  private readonly runners = new Map<string, Runner>();
  private readonly leases = new Map<string, LeaderLock>();
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: TriggersServiceDeps) {}

  start(): void {
    this.loop ??= this.scanLoop();
  }

  /** Stops every runner and gives the leases up, so another replica takes the registrations at once. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
    this.runners.clear();
    await Promise.allSettled([...this.leases.values()].map(async (lease) => {
      await lease.release(this.deps.holder);
      await lease.close();
    }));
    this.leases.clear();
  }

  /** The registrations this replica runs now (for tests and logs). */
  owned(): string[] {
    return [...this.runners.keys()];
  }

  private async scanLoop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        await this.scanOnce();
      } catch (err) {
        this.deps.logger.warn({ err }, 'registration scan failed; trying again at the next one');
      }
      await this.deps.clock.sleep(this.deps.scanMs, this.abort.signal);
    }
  }

  async scanOnce(): Promise<void> {
    const active = new Set<string>();
    const present = new Set<string>();
    for (const stored of await this.listAll()) {
      const key = `${stored.doc.namespace}/${stored.doc.trigger}`;
      present.add(key);
      if (!stored.doc.status.active) continue;
      if (isMessageFeed(stored.doc.spec.feed) && !this.deps.openSource) continue;
      active.add(key);
      if (this.abort.signal.aborted) return;
      const lease = this.leaseOf(key);
      const held = await lease.acquire(this.deps.holder, this.deps.leaseMs);
      const runner = this.runners.get(key);
      if (held && (!runner || !runner.running)) this.runners.set(key, this.newRunner(key, lease, isMessageFeed(stored.doc.spec.feed)));
      else if (held && runner) runner.notice(stored.revision);
      else if (!held && runner) {
        this.runners.delete(key);
        await runner.stop();
        this.deps.logger.info({ registration: key }, 'lease lost: registration handed to another replica');
      }
    }
    for (const [key, runner] of this.runners) {
      if (active.has(key)) continue;
      this.runners.delete(key);
      await runner.stop(!present.has(key));
    }
    for (const [key, lease] of this.leases) {
      if (active.has(key)) continue;
      this.leases.delete(key);
      await lease.release(this.deps.holder);
      await lease.close();
    }
  }

  private newRunner(key: string, lease: LeaderLock, messages: boolean): Runner {
    const { store, client, messageKey, clock, logger, holder, leaseMs, backoff, scanMs, openSource } = this.deps;
    const deps = { store, client, messageKey, clock, logger: logger.child({ registration: key }), lease, holder, leaseMs, backoff, recheckMs: Math.max(10 * scanMs, RECHECK_MIN_MS) };
    return messages && openSource ? new MessageFeedRunner(key, { ...deps, openSource }) : new RegistrationRunner(key, deps);
  }

  private leaseOf(key: string): LeaderLock {
    let lease = this.leases.get(key);
    if (!lease) {
      lease = this.deps.leaseFor(key);
      this.leases.set(key, lease);
    }
    return lease;
  }

  private async listAll(): Promise<Stored<RegistrationDoc>[]> {
    const all: Stored<RegistrationDoc>[] = [];
    for (let skip = 0; ; skip += PAGE) {
      const page = await this.deps.store.list<RegistrationDoc>(REGISTRATIONS_NAMESPACE, 'registration', { skip, limit: PAGE });
      all.push(...page);
      if (page.length < PAGE) return all;
    }
  }
}
