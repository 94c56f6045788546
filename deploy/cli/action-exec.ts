import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { CliUsageError } from './cli-error';
import type { KeyValue } from './params';
import { fullyQualified, parseQualifiedName } from './qualified-name';

// The `exec` of `action create/update`, built as wsk's getExec builds it: the kind from --kind,
// else from --docker, else from the file's extension; a .zip or .jar is sent base64-encoded
// (and a .zip needs --kind, as in wsk); --sequence turns the artifact into a list of actions.

export interface ExecOptions {
  readonly kind?: string;
  readonly main?: string;
  readonly docker?: string;
  readonly native?: boolean;
  readonly sequence?: boolean;
}

export interface Exec {
  readonly kind: string;
  readonly code?: string;
  readonly image?: string;
  readonly main?: string;
  readonly components?: string[];
}

/** wsk's extension table (commands/action.go): the family's `:default` kind, which the platform resolves. */
const KIND_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.js': 'nodejs:default',
  '.py': 'python:default',
  '.swift': 'swift:default',
  '.php': 'php:default',
  '.jar': 'java:default',
};

const BINARY_EXTENSIONS = new Set(['.zip', '.jar']);

export function kindForFile(file: string): string {
  const ext = extname(file).toLowerCase();
  const kind = KIND_BY_EXTENSION[ext];
  if (kind !== undefined) return kind;
  if (ext === '.zip') throw new CliUsageError('creating an action from a .zip artifact requires specifying the action kind explicitly (--kind).');
  throw new CliUsageError(`'${ext || file}' is not a supported action runtime; give the kind with --kind (nodejs:20, python:3.11, ...).`);
}

/** `undefined` when the command line changes no code (an update of parameters or limits only). */
export function buildExec(artifact: string | undefined, options: ExecOptions, defaultNamespace: string, readFile: (path: string) => Buffer = readFileSync): Exec | undefined {
  if (options.sequence === true) {
    if (artifact === undefined) throw new CliUsageError('An action sequence needs its actions: --sequence ACTION1,ACTION2,...');
    const components = artifact.split(',').map((name) => name.trim()).filter((name) => name !== '');
    if (components.length === 0) throw new CliUsageError('An action sequence needs at least one action.');
    return { kind: 'sequence', components: components.map((name) => fullyQualified(parseQualifiedName(name, defaultNamespace))) };
  }
  if (artifact === undefined && options.docker === undefined && options.native !== true) return undefined;
  let code: string | undefined;
  if (artifact !== undefined) {
    let bytes: Buffer;
    try {
      bytes = readFile(artifact);
    } catch {
      throw new CliUsageError(`File '${artifact}' is not a valid file or it does not exist.`);
    }
    code = BINARY_EXTENSIONS.has(extname(artifact).toLowerCase()) ? bytes.toString('base64') : bytes.toString('utf8');
  }
  const docker = options.native === true ? 'openwhisk/dockerskeleton' : options.docker;
  const kind = options.kind ?? (docker !== undefined ? 'blackbox' : kindForFile(artifact!));
  return {
    kind,
    ...(code !== undefined ? { code } : {}),
    ...(docker !== undefined ? { image: docker } : {}),
    ...(options.main !== undefined ? { main: options.main } : {}),
  };
}

/** wsk's `--web true|false|raw` (also yes/no): the three annotations it sets, replacing earlier values of them. */
export function webAnnotations(mode: string, annotations: readonly KeyValue[]): KeyValue[] {
  const normalized = mode.toLowerCase();
  const flags: Record<string, [boolean, boolean, boolean]> = { true: [true, false, true], yes: [true, false, true], false: [false, false, false], no: [false, false, false], raw: [true, true, true] };
  const chosen = flags[normalized];
  if (chosen === undefined) throw new CliUsageError(`Invalid argument '${mode}' for --web flag. Valid input consist of 'yes', 'true', 'raw', 'false', or 'no'.`);
  const kept = annotations.filter(({ key }) => key !== 'web-export' && key !== 'raw-http' && key !== 'final');
  return [...kept, { key: 'web-export', value: chosen[0] }, { key: 'raw-http', value: chosen[1] }, { key: 'final', value: chosen[2] }];
}

export interface LimitOptions {
  readonly timeout?: string;
  readonly memory?: string;
  readonly logsize?: string;
}

export function buildLimits(options: LimitOptions): Record<string, number> | undefined {
  const limits: Record<string, number> = {};
  const set = (key: string, flag: string, raw: string | undefined) => {
    if (raw === undefined) return;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new CliUsageError(`--${flag} must be a positive whole number; got '${raw}'.`);
    limits[key] = value;
  };
  set('timeout', 'timeout', options.timeout);
  set('memory', 'memory', options.memory);
  set('logs', 'logsize', options.logsize);
  return Object.keys(limits).length > 0 ? limits : undefined;
}
