import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { EnvReader, type Env } from '../common/config/env-reader';
import { readMessageKey } from '../common/config/message-key-config';
import { readSharedConfig, type SharedConfig } from '../common/config/shared-config';
import type { MessageKey } from '../common/protocol/message-seal';
import type { Backoff } from './fire-verdict';

// The triggers service's settings (docs/configuration.md), every problem reported at once.

export interface TriggersConfig {
  readonly shared: SharedConfig;
  /** This replica's name on the leases: unique per process. */
  readonly instanceId: string;
  /** Opens the callers' keys sealed in the registrations (the controllers' WISP_MESSAGE_KEY, ADR 0014). */
  readonly messageKey: MessageKey;
  /** Where fires go: a controller's URL (a load balancer in front of several). */
  readonly apiUrl: string;
  /** How often the registrations are listed and the leases renewed. */
  readonly scanMs: number;
  /** How long a lease outlives its last renewal: a dead replica's registrations move after at most this. */
  readonly leaseMs: number;
  readonly backoff: Backoff;
  /** How long one fire request may take before it counts as unanswered (and is retried). */
  readonly fireTimeoutMs: number;
}

export function loadTriggersConfig(env: Env): TriggersConfig {
  const reader = new EnvReader(env);
  const shared = readSharedConfig(reader);
  const instanceId = reader.string('WISP_TRIGGERS_ID', `triggers-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`);
  if (!/^[\w.-]{1,128}$/.test(instanceId)) reader.problem(`WISP_TRIGGERS_ID must be letters, digits, '_', '.' or '-', but was '${instanceId}'`);
  const apiUrl = reader.string('WISP_TRIGGERS_API_URL', 'http://127.0.0.1:3233');
  if (!/^https?:\/\/[^\s/]+/.test(apiUrl)) reader.problem(`WISP_TRIGGERS_API_URL must be an http(s) URL of a controller, but was '${apiUrl}'`);
  const scanMs = reader.int('WISP_TRIGGERS_SCAN_MS', 1000, { min: 50, max: 60_000 });
  const leaseMs = reader.int('WISP_TRIGGERS_LEASE_MS', 10_000, { min: 500, max: 600_000 });
  if (leaseMs < 3 * scanMs) reader.problem(`WISP_TRIGGERS_LEASE_MS (${leaseMs}) must be at least 3 × WISP_TRIGGERS_SCAN_MS (${scanMs}), so a live replica renews its leases in time`);
  const config: TriggersConfig = {
    shared,
    instanceId,
    messageKey: readMessageKey(reader),
    apiUrl,
    scanMs,
    leaseMs,
    backoff: {
      firstMs: reader.int('WISP_TRIGGERS_RETRY_FIRST_MS', 1000, { min: 10, max: 60_000 }),
      maxMs: reader.int('WISP_TRIGGERS_RETRY_MAX_MS', 60_000, { min: 10, max: 3_600_000 }),
    },
    fireTimeoutMs: reader.int('WISP_TRIGGERS_FIRE_TIMEOUT_MS', 30_000, { min: 100, max: 300_000 }),
  };
  reader.done();
  return config;
}
