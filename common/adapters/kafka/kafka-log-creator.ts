// kafkajs logs through its own logger; this sends its warnings and errors to the service's pino
// logger instead of stdout, so Kafka trouble lands in the same stream as everything else.

import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '../../logging/logger';

export function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _source, ...fields } = log;
      const entry = { kafkajs: namespace, ...fields };
      // kafkajs logs every error response on the Connection namespace, including the ones its
      // retries then recover from; the caller sees the error that matters when retries run out.
      if (level === logLevel.ERROR && namespace !== 'Connection') logger.error(entry, message);
      else if (level === logLevel.ERROR) logger.warn(entry, message);
      else if (level === logLevel.WARN) logger.warn(entry, message);
      else if (level === logLevel.INFO) logger.info(entry, message);
      else logger.debug(entry, message);
    };
}
