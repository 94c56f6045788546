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

export function createLogger(options: { service: string; level: string; instance?: string }): Logger {
  return pino({
    level: options.level,
    base: { service: options.service, ...(options.instance ? { instance: options.instance } : {}) },
    redact: { paths: ['authKey', 'apiKey', 'req.headers.authorization', 'params'], censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  });
}

export function activationLogger(parent: Logger, keys: ActivationLogKeys): Logger {
  return parent.child(keys);
}

export const silentLogger: Logger = pino({ level: 'silent' });
