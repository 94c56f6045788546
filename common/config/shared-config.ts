import type { EnvReader } from './env-reader';
import type { MetricsListenConfig } from '../metrics/metrics-server';

// Settings every service shares: where the real services are and the one prefix from which
// every topic, subject, key and container label is built (so parallel runs never collide).

export type BusDriver = 'memory' | 'kafka';
export type SignalDriver = 'memory' | 'nats';
export type StoreDriver = 'embedded' | 'redis';

export interface SharedConfig {
  readonly prefix: string;
  readonly logLevel: string;
  readonly kafkaBrokers: readonly string[];
  readonly redisUrl: string;
  readonly natsUrl: string;
  /** GET /metrics on a listener of its own when WISP_METRICS_PORT is set (0: a free port); none otherwise. */
  readonly metrics?: MetricsListenConfig;
}

export function readSharedConfig(reader: EnvReader): SharedConfig {
  const prefix = reader.string('WISP_PREFIX', 'wisp');
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(prefix)) {
    reader.problem(`WISP_PREFIX must be 1-31 lowercase letters, digits or '-', but was '${prefix}'`);
  }
  return {
    prefix,
    logLevel: reader.oneOf('WISP_LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info'),
    kafkaBrokers: reader.list('WISP_KAFKA_BROKERS', ['127.0.0.1:9092']),
    redisUrl: reader.string('WISP_REDIS_URL', 'redis://127.0.0.1:6379'),
    natsUrl: reader.string('WISP_NATS_URL', 'nats://127.0.0.1:4222'),
    ...(reader.optionalString('WISP_METRICS_PORT') !== undefined
      ? { metrics: { host: reader.string('WISP_METRICS_HOST', '127.0.0.1'), port: reader.int('WISP_METRICS_PORT', 0, { min: 0, max: 65535 }) } }
      : {}),
  };
}
