import { EnvReader, type Env } from '../../common/config/env-reader';
import { readSharedConfig, type SharedConfig } from '../../common/config/shared-config';

// wisp-admin reads the same shared settings as the services (WISP_PREFIX, WISP_REDIS_URL,
// WISP_NATS_URL), so it works on the store and subjects of the platform it administers.

export interface AdminConfig {
  readonly shared: SharedConfig;
  /** How long to wait for Redis or NATS before giving up. */
  readonly connectTimeoutMs: number;
}

export function loadAdminConfig(env: Env): AdminConfig {
  const reader = new EnvReader(env);
  const config: AdminConfig = {
    shared: readSharedConfig(reader),
    connectTimeoutMs: reader.int('WISP_ADMIN_CONNECT_TIMEOUT_MS', 5000, { min: 100, max: 120_000 }),
  };
  reader.done();
  return Object.freeze(config);
}
