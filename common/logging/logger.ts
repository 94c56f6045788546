import pino from 'pino';
import { redactLogObject, redactLogValue } from './redact';

// One root logger per process; components take children. Units of work add the fixed keys
// below so that every line about an activation can be found by its id.

export type Logger = pino.Logger;

export interface ActivationLogKeys {
  transid: string;
  activationId?: string;
  namespace?: string;
  action?: string;
}

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
    // Secrets are censored at any depth, in what a line logs and in what a child binds.
    formatters: { log: redactLogObject, bindings: redactLogObject },
    // `logger.error(err)` puts the error under `err` after formatters.log has already run: the
    // same walk serializes it (and is a no-op on an error it already turned into a plain object).
    serializers: { err: redactLogValue },
  };
  const root = options.destination ? pino(settings, options.destination) : pino(settings);
  // pino runs formatters.bindings for the root only and serializes a child's bindings once, as
  // it is made: every child (children inherit this method) gets its bindings censored first.
  type MakeChild = (this: unknown, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) => unknown;
  const makeChild = root.child as unknown as MakeChild;
  root.child = function child(this: unknown, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) {
    return makeChild.call(this, redactLogObject(bindings), childOptions);
  } as unknown as typeof root.child;
  return root;
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
