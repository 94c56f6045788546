import pino from 'pino';
import type { Logger } from '../../common/logging/logger';

/** A logger whose lines a test reads back as objects, for what a component logs and under which keys. */
export function capturedLogs(level = 'info'): { readonly logger: Logger; readonly lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}
