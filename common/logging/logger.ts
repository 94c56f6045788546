import pino from 'pino';

// One root logger per process; components take children. Units of work add the fixed keys
// below so that every line about an activation can be found by its id.

export type Logger = pino.Logger;

export interface ActivationLogKeys {
  transid: string;
  activationId?: string;
  namespace?: string;
  action?: string;
}

/**
 * Fields whose values never reach a log line: keys and passwords at the top level or one object
 * down (pino's `*` is one level), authorization headers, and action parameters (`params`).
 */
export const REDACTED_PATHS: readonly string[] = [
  'authKey',
  '*.authKey',
  'apiKey',
  '*.apiKey',
  'api_key',
  '*.api_key',
  'password',
  '*.password',
  'authorization',
  'req.headers.authorization',
  '*.headers.authorization',
  'params',
];

export interface LoggerOptions {
  readonly service: string;
  readonly level: string;
  readonly instance?: string;
  /** Where lines go; stdout when absent. */
  readonly destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const settings: pino.LoggerOptions = {
    level: options.level,
    base: { service: options.service, ...(options.instance ? { instance: options.instance } : {}) },
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

export function activationLogger(parent: Logger, keys: ActivationLogKeys): Logger {
  return parent.child(keys);
}

export const silentLogger: Logger = pino({ level: 'silent' });

// Background loops are nobody's request: like OpenWhisk's `sid_*` ids, each job logs under a
// fixed system transaction id, so `transid=sid_reaper` finds every line the reaper wrote.
export const SYSTEM_TRANSIDS = {
  heartbeat: 'sid_heartbeat',
  idLease: 'sid_invokerIdLease',
  reaper: 'sid_invokerReaper',
  healthMonitor: 'sid_invokerHealth',
  completionPoller: 'sid_completionPoller',
  cacheInvalidation: 'sid_cacheInvalidation',
  intake: 'sid_activationIntake',
  bootstrap: 'sid_bootstrap',
} as const;
export type SystemJob = keyof typeof SYSTEM_TRANSIDS;

/** A child logger for a background loop, carrying its job's system transaction id. */
export function systemLogger(parent: Logger, job: SystemJob): Logger {
  return parent.child({ transid: SYSTEM_TRANSIDS[job] });
}
