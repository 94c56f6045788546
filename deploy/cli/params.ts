import { readFileSync } from 'node:fs';
import { CliUsageError } from './cli-error';

// wsk's `-p KEY VALUE` takes two values, which no argument parser expresses (commander's
// options take one). pairValueOptions folds each such pair into one token before commander
// sees the line, and parsePairToken unfolds it in the option's parser: the only hand-written
// step of the parsing, and it keeps every wsk command line working as typed.

/** The options that take a KEY and a VALUE, as wsk has them. */
export const PAIR_OPTIONS: ReadonlySet<string> = new Set(['-p', '--param', '-a', '--annotation', '--feed-param']);

const PAIR_MARK = '\u0000pair:';

export interface KeyValue {
  readonly key: string;
  readonly value: unknown;
}

export function pairValueOptions(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (PAIR_OPTIONS.has(token) && i + 2 < argv.length) {
      out.push(token, `${PAIR_MARK}${JSON.stringify([argv[i + 1], argv[i + 2]])}`);
      i += 2;
      continue;
    }
    out.push(token);
  }
  return out;
}

/** The commander option parser of a pair option: collects the pairs given so far. */
export function collectPair(token: string, previous: readonly KeyValue[] | undefined): KeyValue[] {
  if (!token.startsWith(PAIR_MARK)) throw new CliUsageError(`Arguments for '-p'/'-a' must be a key and a value: got '${token}' alone.`);
  const [key, raw] = JSON.parse(token.slice(PAIR_MARK.length)) as [string, string];
  return [...(previous ?? []), { key, value: parseParamValue(raw) }];
}

/** A value that reads as JSON is that JSON (`5`, `true`, `{"a":1}`); anything else is the string as typed, as wsk does. */
export function parseParamValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** A `-P` file: one JSON object whose keys become parameters, in file order. */
export function readParamFile(path: string): KeyValue[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliUsageError(`File '${path}' is not a valid file or it does not exist.`);
  }
  return paramsFromJson(text, path);
}

export function paramsFromJson(text: string, source: string): KeyValue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CliUsageError(`Invalid JSON in '${source}': ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliUsageError(`'${source}' must hold a JSON object of parameters.`);
  return Object.entries(parsed).map(([key, value]) => ({ key, value }));
}

/** File parameters first, then `-p` ones; a later key replaces an earlier one in place. */
export function mergeParams(...lists: ReadonlyArray<readonly KeyValue[] | undefined>): KeyValue[] {
  const merged = new Map<string, unknown>();
  for (const list of lists) for (const { key, value } of list ?? []) merged.set(key, value);
  return [...merged].map(([key, value]) => ({ key, value }));
}

/** An invoke or fire body: the parameters as one object. */
export function paramsObject(params: readonly KeyValue[]): Record<string, unknown> {
  return Object.fromEntries(params.map(({ key, value }) => [key, value]));
}
