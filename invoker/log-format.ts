import type { CollectedLogs, LogLine } from '../common/spi/container-factory';
import { ActivationMessages } from './activation-messages';

// Activation logs as OpenWhisk stores them (LogLine.toFormattedString): the time left-aligned
// in 30 characters (an RFC 3339 time with nanoseconds is exactly 30), the stream, the trimmed
// text; then the fixed notices clients and operators recognise.

const TIME_WIDTH = 30;

export function formatLogLine(line: LogLine): string {
  return `${line.time.padEnd(TIME_WIDTH)} ${line.stream}: ${line.text.trim()}`;
}

export interface LogFormatOptions {
  readonly limitBytes: number;
  /** The activation ended as a developer error, so logs may legitimately stop short. */
  readonly developerError: boolean;
  /** Timestamp for the notices the platform appends. */
  readonly now: Date;
}

export function formatActivationLogs(collected: CollectedLogs, options: LogFormatOptions): string[] {
  const out = collected.lines.map(formatLogLine);
  const notice = (text: string) => formatLogLine({ time: options.now.toISOString(), stream: 'stderr', text });
  if (collected.truncated) out.push(notice(ActivationMessages.logsTruncated(options.limitBytes)));
  // After a developer error no sentinel is awaited, so "incomplete" says nothing new there.
  if (options.developerError) out.push(notice(ActivationMessages.logsAfterDeveloperError));
  else if (!collected.complete) out.push(notice(ActivationMessages.logsIncomplete));
  return out;
}
