// What wsk prints, in wsk's layout: `ok: ...` lines, JSON indented by four spaces, lists as a
// bold-less title line and rows padded to wsk's column widths. `--json` prints the platform's
// answer alone, so a script can parse stdout whole.

export interface Output {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 4) ?? 'null';
}

/** `--json`: one JSON document on stdout. */
export function jsonDocument(value: unknown): string {
  return `${JSON.stringify(value ?? null, null, 2)}\n`;
}

/** Rows whose cells are padded to the widths given; the last cell is never padded. */
export function table(rows: ReadonlyArray<readonly string[]>, widths: readonly number[]): string {
  return rows.map((row) => `${row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i] ?? cell.length) : cell)).join(' ')}`.trimEnd()).join('\n');
}

/** A list as wsk prints `wsk action list`: the collection's name, then one row per entity, its name padded to 70 (wsk's `%-70s`). */
export function entityList(title: string, rows: ReadonlyArray<readonly string[]>, widths: readonly number[] = [70]): string {
  return `${[title, table(rows, widths)].filter((s) => s !== '').join('\n')}\n`;
}

/** An activation start or end as wsk's table shows it: `2006-01-02 15:04:05` in local time. */
export function dateTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
