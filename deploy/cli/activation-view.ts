import type { KeyValue } from './params';
import { dateTime, table } from './output';

// An activation as wsk's `activation list` shows it: one row of start time, id, kind, cold or
// warm start, duration, status and the entity with its version.

export type ActivationSummary = Record<string, unknown>;

const STATUS_BY_CODE: Readonly<Record<number, string>> = { 0: 'success', 1: 'application error', 2: 'developer error', 3: 'internal error' };
const HEADER = ['Datetime', 'Activation ID', 'Kind', 'Start', 'Duration', 'Status', 'Entity'];
const WIDTHS = [19, 32, 12, 5, 10, 17];

export function activationTable(activations: readonly ActivationSummary[]): string {
  return `${table([HEADER, ...activations.map(activationRow)], WIDTHS)}\n`;
}

export function activationRow(a: ActivationSummary): string[] {
  const annotations = Array.isArray(a.annotations) ? (a.annotations as KeyValue[]) : [];
  const annotation = (key: string) => annotations.find((x) => x.key === key)?.value;
  const kind = annotation('kind');
  const start = annotation('initTime') !== undefined ? 'cold' : kind === undefined ? '' : 'warm';
  const statusCode = typeof a.statusCode === 'number' ? a.statusCode : (a.response as { statusCode?: number } | undefined)?.statusCode;
  return [
    typeof a.start === 'number' ? dateTime(a.start) : '',
    String(a.activationId ?? ''),
    typeof kind === 'string' ? kind : '',
    start,
    typeof a.duration === 'number' ? `${a.duration}ms` : '',
    statusCode !== undefined ? (STATUS_BY_CODE[statusCode] ?? String(statusCode)) : '',
    `${String(a.namespace ?? '')}/${String(a.name ?? '')}:${String(a.version ?? '')}`,
  ];
}

/** `--strip`: wsk's regex that drops the `<time> <stream>: ` prefix of a stored log line. */
export function stripLogLine(line: string): string {
  return line.replace(/^\S+\s+(?:stdout|stderr):\s?/, '');
}
