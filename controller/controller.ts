import type { Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { AddressInfo } from 'node:net';
import { defaultBounds } from '../common/entities/limits';
import { systemLogger, type Logger } from '../common/logging/logger';
import type { Naming } from '../common/naming';
import type { ActivationStore } from '../common/spi/activation-store';
import type { EntityStore } from '../common/spi/entity-store';
import type { MessageBus } from '../common/spi/message-bus';
import type { SignalBus } from '../common/spi/signal-bus';
import type { ThrottleStore } from '../common/spi/throttle-store';
import { createMemoryThrottleStore } from '../common/adapters/memory/memory-throttle-store';
import { createMemoryLeaderLock } from '../common/adapters/memory/memory-leader-lock';
import type { LeaderLock } from '../common/spi/leader-lock';
import { buildApp } from './app';
import { closeJsonParseWorker } from './http/json-parse-worker';
import type { SandboxInfo } from './routes/system.routes';
import { FeedRegistrations } from './feeds/feed-registrations';
import { CompletionWaiter } from './invocation/completion-waiter';
import { Dispatcher } from './invocation/dispatcher';
import { InvokerRegistry } from './invocation/invoker-registry';
import { InvokerReaper } from './invocation/invoker-reaper';
import { SequenceRunner } from './sequences/sequence-runner';
import { SequenceQueue } from './sequences/sequence-queue';
import { MapRunner } from './maps/map-runner';
import { LoadBalancer } from './invocation/load-balancer';
import { ActionService } from './actions/action-service';
import { ruleActionLookup } from './actions/action-lookup';
import { startEntityCache } from './caches/entity-cache';
import { PackageResolver } from './packages/package-resolver';
import { PackageService } from './packages/package-service';
import { packageComponentResolver } from './sequences/sequence-resolver';
import { ensureSystemPackages } from './packages/system-packages';
import { IdentityService } from './identity/identity-service';
import { listenForIdentityChanges } from './identity/identity-change-listener';
import { PUBLIC_DEV_KEYS, splitAuth } from '../common/entities/credentials';
import { ConfigError } from '../common/config/env-reader';
import { publicKeyRefused, type ControllerConfig } from './config';
import { NamespaceLimitsService } from './identity/namespace-limits-service';
import { Throttler } from './throttles/throttler';
import { RuleService } from './rules/rule-service';
import { ApiRateLimit } from './apis/api-rate-limit';
import { ApiService } from './apis/api-service';
import { TriggerFireService } from './triggers/trigger-fire-service';
import { TriggerService } from './triggers/trigger-service';

// Composition of one controller from ports chosen elsewhere (a main.ts). Start order matters:
// listeners for acks and heartbeats exist before the HTTP port accepts the first invoke.

export interface ControllerDeps {
  readonly config: ControllerConfig;
  readonly logger: Logger;
  readonly naming: Naming;
  readonly bus: MessageBus;
  readonly signals: SignalBus;
  readonly entities: EntityStore;
  readonly activations: ActivationStore;
  /** Shared by every controller (Redis); one process's own counters when omitted (standalone). */
  readonly throttles?: ThrottleStore;
  /** Elects the one controller that reaps dead invokers (Redis); this process alone when omitted (standalone). */
  readonly leaderLock?: LeaderLock;
  readonly build?: string;
  /** Told by standalone, which chose its container factory; shown in GET /api/v1. */
  readonly sandbox?: SandboxInfo;
  /** Requests are held until it resolves (standalone: its invoker is healthy); none are held when omitted. */
  readonly ready?: Promise<void>;
  /** The process's metrics registry (standalone shares it with its invoker); none kept when omitted. */
  readonly metrics?: Registry;
}

export interface RunningController {
  readonly url: string;
  readonly registry: InvokerRegistry;
  stop(): Promise<void>;
}

/** A store left by a development run can still hold a working public key: that controller does not start. */
async function refuseLiveDevKeys(identities: IdentityService): Promise<void> {
  for (const auth of PUBLIC_DEV_KEYS) {
    const doc = await identities.records.key(splitAuth(auth).uuid);
    if (doc && !doc.revoked) throw new ConfigError([publicKeyRefused(`the key ${splitAuth(auth).uuid} of namespace '${doc.namespace}'`)]);
  }
}

export async function startController(deps: ControllerDeps): Promise<RunningController> {
  const { config, logger, naming } = deps;
  // Components name themselves under `scope`, not under `log`, so each line has one `component`.
  const scope = logger.child({ controllerId: config.controllerId });
  const log = scope.child({ component: 'controller' });
  const bootstrapLog = systemLogger(scope, 'bootstrap');
  const identities = new IdentityService({ store: deps.entities, cacheTtlMs: config.identityCacheTtlMs });
  for (const { subject, namespace, auth } of config.bootstrap) {
    if ((await identities.ensure(subject, namespace, auth)) === 'revoked') bootstrapLog.warn({ namespace, uuid: splitAuth(auth).uuid }, 'a bootstrap key was revoked, so it is not made valid again');
  }
  if (!config.allowDevKeys) await refuseLiveDevKeys(identities);
  const limits = new NamespaceLimitsService({ records: identities.records, system: { ...config.throttles, bounds: defaultBounds(config.maxActionMemoryMb, config.maxActionConcurrency, config.maxActionGpu) }, cacheTtlMs: config.identityCacheTtlMs });
  const identityChanges = await listenForIdentityChanges(deps.signals, naming, [identities, limits], scope.child({ component: 'identity-changes' }));
  const throttleStore = deps.throttles ?? createMemoryThrottleStore();
  const throttles = new Throttler({ store: throttleStore, limits, logger: scope.child({ component: 'throttles' }), slotGraceMs: config.throttleSlotGraceMs });

  const registry = new InvokerRegistry(deps.signals, naming, scope.child({ component: 'invoker-registry' }));
  const waiter = new CompletionWaiter({ controllerId: config.controllerId, signals: deps.signals, activations: deps.activations, naming, logger: log });
  await registry.start();
  await waiter.start();
  // Acks reach the dispatching controller only; a slot another controller holds lapses at its deadline.
  waiter.onCompletion((activationId) => throttles.release(activationId));
  const balancer = new LoadBalancer(() => registry.invokers());
  const dispatcher = new Dispatcher({ controllerId: config.controllerId, messageKey: config.messageKey, bus: deps.bus, naming, balancer, waiter, logger: log });
  const leaderLock = deps.leaderLock ?? createMemoryLeaderLock();
  const reaper = new InvokerReaper({
    controllerId: config.controllerId,
    messageKey: config.messageKey,
    bus: deps.bus,
    signals: deps.signals,
    activations: deps.activations,
    naming,
    registry,
    balancer,
    lock: leaderLock,
    logger: scope.child({ component: 'reaper' }),
    reapAfterMs: config.reapAfterMs,
    redispatchWindowMs: config.redispatchWindowMs,
  });
  reaper.start();
  // Actions and packages are read through a cache that every controller's writes invalidate.
  const entityCache = await startEntityCache({ store: deps.entities, signals: deps.signals, naming, logger: scope.child({ component: 'entity-cache' }), ttlMs: config.entityCacheTtlMs });
  const entities = entityCache.store;
  const packages = new PackageService(entities);
  const packageResolver = new PackageResolver(entities);
  // Sequence components are found through packages and bindings, entitled like any read.
  const components = packageComponentResolver(entities, packageResolver);
  const actions = new ActionService(entities, (namespace) => limits.actionBounds(namespace), Date.now, components);
  const sequenceLog = scope.child({ component: 'sequences' });
  const sequences = new SequenceQueue({
    controllerId: config.controllerId,
    messageKey: config.messageKey,
    bus: deps.bus,
    signals: deps.signals,
    naming,
    activations: deps.activations,
    // Its acks free the sequence's throttle slot here, as an invoker's ack does an action's.
    waiter,
    runner: new SequenceRunner({ invoker: dispatcher, activations: deps.activations, resolve: components, logger: sequenceLog, compositionTimeLimitMs: config.compositionTimeLimitMs }),
    logger: sequenceLog,
    replayWindowMs: config.sequenceReplayWindowMs,
    // A job replayed at start (standalone starts its invoker after its controller) waits for one.
    invokersReady: () => registry.waitForHealthy(60_000).catch(() => undefined),
  });
  dispatcher.handleSequencesWith(sequences);
  // Joins the controllers' group (in the background): from then on this controller runs its share of sequences, replays included.
  await sequences.start();
  await ensureSystemPackages({ store: entities, bounds: defaultBounds(config.maxActionMemoryMb, config.maxActionConcurrency, config.maxActionGpu), logger: bootstrapLog.child({ component: 'system-packages' }) });
  // Rules (when saved) and fires (every time) resolve a rule's action as sequence components are,
  // entitled as the rule's namespace: packages, that namespace's own bindings, parameters merged.
  const lookupAction = ruleActionLookup(components);
  const triggers = new TriggerService(deps.entities);
  const rules = new RuleService({ store: deps.entities, lookupAction, logger: scope.child({ component: 'rules' }) });
  const fires = new TriggerFireService({ store: deps.entities, activations: deps.activations, dispatcher, lookupAction, throttles, logger: scope.child({ component: 'trigger-fire' }) });
  const apis = new ApiService({ store: deps.entities, actions, packageResolver });
  const apiRateLimit = new ApiRateLimit(config.apiRatePerMinute);
  // A map holds one concurrency slot until its record is stored (ADR 0028).
  const maps = new MapRunner({ invoker: dispatcher, activations: deps.activations, logger: scope.child({ component: 'maps' }), onDone: (activationId) => throttles.release(activationId) });
  const app = buildApp({ logger: log, build: deps.build ?? 'dev', ...(deps.sandbox ? { sandbox: deps.sandbox } : {}), ...(deps.ready ? { ready: deps.ready } : {}), ...(deps.metrics ? { metrics: deps.metrics } : {}), identities, limits, throttles, actions, activations: deps.activations, dispatcher, maps, registry, triggers, fires, feedRegistrations: new FeedRegistrations(deps.entities, config.messageKey, Date.now, undefined, config.feedAllowedHosts), rules, packages, packageResolver, apis, apiRateLimit });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  // Blocking invokes may wait 60 s; the socket must outlive that.
  server.requestTimeout = 70_000;
  server.headersTimeout = 70_000;
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  log.info({ url }, 'controller listening');

  return {
    url,
    registry,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await sequences.stop();
      await maps.stop();
      await reaper.stop();
      if (!deps.leaderLock) await leaderLock.close();
      dispatcher.stop();
      throttles.stop();
      await identityChanges.close();
      if (!deps.throttles) await throttleStore.close();
      await waiter.stop();
      await registry.stop();
      await closeJsonParseWorker();
      await entityCache.close();
    },
  };
}
