import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// wsk's property file: `KEY=VALUE` lines in ~/.wskprops, or the file $WSK_CONFIG_FILE names
// (an empty value means the default, as wsk reads it). Keys wisp does not use (APIVERSION,
// CERT, KEY, APIGW_ACCESS_TOKEN...) are kept as they are when wisp writes the file, so wsk and
// wisp can share it.

export type Props = ReadonlyMap<string, string>;

export function propsFilePath(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const configured = env.WSK_CONFIG_FILE;
  return configured !== undefined && configured !== '' ? configured : join(home, '.wskprops');
}

/** Lines without `=` and `#` comments are skipped, as wsk's reader does; the last of a repeated key wins. */
export function parseProps(text: string): Props {
  const props = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    props.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return props;
}

export function serializeProps(props: Props): string {
  return [...props].map(([key, value]) => `${key}=${value}\n`).join('');
}

/** A missing file reads as no properties; any other read failure is the caller's to report. */
export function readPropsFile(path: string): Props {
  try {
    return parseProps(readFileSync(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
}

/** Written whole to a temp file and renamed over, owner-only: the file holds an API key. */
export function writePropsFile(path: string, props: Props): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, serializeProps(props), { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/** The props with `changes` applied: a string sets the key, `undefined` removes it. */
export function withChanges(props: Props, changes: Readonly<Record<string, string | undefined>>): Props {
  const next = new Map(props);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) next.delete(key);
    else next.set(key, value);
  }
  return next;
}
