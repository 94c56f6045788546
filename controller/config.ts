import { EnvReader, type Env } from '../common/config/env-reader';
import { readMessageKey } from '../common/config/message-key-config';
import { readSharedConfig, type SharedConfig } from '../common/config/shared-config';
import type { MessageKey } from '../common/protocol/message-seal';
import { GUEST_AUTH, isPublicDevKey, SYSTEM_AUTH } from '../common/entities/credentials';
import { defaultBounds } from '../common/entities/limits';
import { DEFAULT_GPU_BOUNDS, type GpuBounds } from '../common/entities/gpu';
import { DEFAULT_THROTTLES } from '../common/entities/namespace-limits';

export interface ControllerConfig {
  readonly shared: SharedConfig;
  readonly controllerId: string;
  /** Seals the caller's key and the parameters of every activation message it sends (WISP_MESSAGE_KEY, ADR 0014). */
  readonly messageKey: MessageKey;
  readonly host: string;
  readonly port: number;
  readonly maxActionMemoryMb: number;
  /** System maximum of an action's `limits.concurrency` (nodejs kinds only run more than 1 per container). */
  readonly maxActionConcurrency: number;
  /** System maxima of an action's `limits.gpu` (DESIGN.md §8): MB per device and devices. */
  readonly maxActionGpu: GpuBounds;
  /** How long a cached action or package may be served without a store read (0: no cache). */
  readonly entityCacheTtlMs: number;
  /** System throttles per namespace, unless the namespace's limits doc says otherwise. */
  readonly throttles: { readonly invocationsPerMinute: number; readonly concurrentInvocations: number; readonly firesPerMinute: number };
  /** How long an identity or a namespace's limits may be served from cache after a change. */
  readonly identityCacheTtlMs: number;
  /** How long past an action's timeout its concurrency slot is held when no completion is heard. */
  readonly throttleSlotGraceMs: number;
  /** An invoker silent this long is reaped (DESIGN.md §7): longer than any action may run, so nothing it started still runs. */
  readonly reapAfterMs: number;
  /** A reaped activation accepted longer ago than this is recorded as failed rather than sent to another invoker. */
  readonly redispatchWindowMs: number;
  /** A sequence accepted longer ago than this is recorded as failed rather than started or replayed (ADR 0016). */
  readonly sequenceReplayWindowMs: number;
  /** A conductor action's composition starts no step later than this after it was accepted (ADR 0028). */
  readonly compositionTimeLimitMs: number;
  /** Namespaces created at start with these `uuid:key` credentials (idempotent; a revoked key stays revoked). */
  readonly bootstrap: readonly { subject: string; namespace: string; auth: string }[];
  /**
   * Whether OpenWhisk's public development keys may work here. Off, a controller neither
   * bootstraps them nor starts while the store holds one that works (standalone turns it on).
   */
  readonly allowDevKeys: boolean;
  /** Requests per minute one API (namespace and base path) may take at its gateway URL, per controller (0: no limit). ADR 0025. */
  readonly apiRatePerMinute: number;
  /**
   * The Kafka brokers and NATS servers (`host:port`, or `host` for any port) messaging feeds may
   * name; empty: any. The controller and the triggers service connect where a tenant says, so an
   * operator who does not want the platform's own network probed lists the brokers tenants use.
   */
  readonly feedAllowedHosts: readonly string[];
}

/** The one line a controller that refuses a public key says why with. */
export function publicKeyRefused(where: string): string {
  return `${where} is one of OpenWhisk's public development keys, which anyone can read: create namespaces and keys with wisp-admin (and revoke this one), or set WISP_ALLOW_DEV_KEYS=true on a development deployment`;
}

const AUTH_PATTERN = /^[\w-]{1,128}:[\w-]{1,128}$/;

export function loadControllerConfig(env: Env): ControllerConfig {
  const reader = new EnvReader(env);
  const shared = readSharedConfig(reader);
  const controllerId = reader.string('WISP_CONTROLLER_ID', 'controller0');
  if (!/^[\w-]{1,64}$/.test(controllerId)) reader.problem(`WISP_CONTROLLER_ID must be letters, digits, '_' or '-', but was '${controllerId}'`);
  const allowDevKeys = reader.bool('WISP_ALLOW_DEV_KEYS', false);
  // The public keys are printed in OpenWhisk's sources and docs: anyone could use them, so they are
  // the default only where dev keys are allowed, and refused where they are not.
  const guestAuth = reader.optionalString('WISP_GUEST_AUTH') ?? (allowDevKeys ? GUEST_AUTH : undefined);
  const systemAuth = reader.optionalString('WISP_SYSTEM_AUTH') ?? (allowDevKeys ? SYSTEM_AUTH : undefined);
  for (const [name, value] of [['WISP_GUEST_AUTH', guestAuth], ['WISP_SYSTEM_AUTH', systemAuth]] as const) {
    if (value === undefined) continue;
    if (!AUTH_PATTERN.test(value)) reader.problem(`${name} must look like uuid:key`);
    else if (!allowDevKeys && isPublicDevKey(value)) reader.problem(publicKeyRefused(name));
  }
  const config: ControllerConfig = {
    shared,
    controllerId,
    messageKey: readMessageKey(reader),
    host: reader.string('WISP_CONTROLLER_HOST', '127.0.0.1'),
    port: reader.int('WISP_CONTROLLER_PORT', 3233, { min: 0, max: 65535 }),
    maxActionMemoryMb: reader.int('WISP_MAX_ACTION_MEMORY_MB', 512, { min: 128, max: 1024 * 1024 }),
    maxActionConcurrency: reader.int('WISP_MAX_ACTION_CONCURRENCY', 1, { min: 1, max: 500 }),
    maxActionGpu: {
      maxMemory: reader.int('WISP_MAX_ACTION_GPU_MEMORY_MB', DEFAULT_GPU_BOUNDS.maxMemory, { min: 1, max: 16 * 1024 * 1024 }),
      maxCount: reader.int('WISP_MAX_ACTION_GPU_COUNT', DEFAULT_GPU_BOUNDS.maxCount, { min: 1, max: 64 }),
    },
    entityCacheTtlMs: reader.int('WISP_ENTITY_CACHE_TTL_MS', 15_000, { min: 0, max: 30_000 }),
    throttles: {
      invocationsPerMinute: reader.int('WISP_INVOCATIONS_PER_MINUTE', DEFAULT_THROTTLES.invocationsPerMinute, { min: 0 }),
      concurrentInvocations: reader.int('WISP_CONCURRENT_INVOCATIONS', DEFAULT_THROTTLES.concurrentInvocations, { min: 0 }),
      firesPerMinute: reader.int('WISP_FIRES_PER_MINUTE', DEFAULT_THROTTLES.firesPerMinute, { min: 0 }),
    },
    identityCacheTtlMs: reader.int('WISP_IDENTITY_CACHE_TTL_MS', 5000, { min: 0, max: 60_000 }),
    throttleSlotGraceMs: reader.int('WISP_THROTTLE_SLOT_GRACE_MS', 30_000, { min: 0, max: 3_600_000 }),
    reapAfterMs: reader.int('WISP_REAPER_AFTER_MS', defaultBounds().timeout.max + 60_000, { min: 1000 }),
    redispatchWindowMs: reader.int('WISP_REAPER_REDISPATCH_WINDOW_MS', 15 * 60_000, { min: 0 }),
    sequenceReplayWindowMs: reader.int('WISP_SEQUENCE_REPLAY_WINDOW_MS', 15 * 60_000, { min: 1000 }),
    compositionTimeLimitMs: reader.int('WISP_COMPOSITION_TIME_LIMIT_MS', 10 * 60_000, { min: 1000 }),
    allowDevKeys,
    apiRatePerMinute: reader.int('WISP_API_RATE_PER_MINUTE', 600, { min: 0 }),
    feedAllowedHosts: reader.list('WISP_FEED_ALLOWED_HOSTS', []),
    bootstrap: [
      ...(guestAuth !== undefined ? [{ subject: 'guest', namespace: 'guest', auth: guestAuth }] : []),
      ...(systemAuth !== undefined ? [{ subject: 'whisk.system', namespace: 'whisk.system', auth: systemAuth }] : []),
    ],
  };
  reader.done();
  return Object.freeze(config);
}
