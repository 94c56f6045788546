import { parseArgs } from 'node:util';
import { LIMIT_FIELD_NAMES, isLimitField, type LimitField } from '../../common/entities/namespace-limits';
import { checkAuth, checkKeyUuid, checkNamespace, checkSubject, limitValue } from './admin-values';
import { UsageError } from './usage-error';

// wisp-admin's command line, parsed (node:util parseArgs) and validated without touching any
// store: every mistake is a UsageError naming the argument, the value and the rule (the entry
// point exits 2 on it). parseArgs rather than commander: the messages are ours, word for word.

export type AdminCommand =
  | { readonly name: 'help' }
  | { readonly name: 'user create'; readonly subject: string; readonly namespace?: string; readonly auth?: string }
  | { readonly name: 'user list'; readonly subject: string }
  | { readonly name: 'namespace create'; readonly subject: string; readonly namespace: string; readonly auth?: string }
  | { readonly name: 'key issue'; readonly namespace: string; readonly auth?: string }
  | { readonly name: 'key list'; readonly namespace: string }
  | { readonly name: 'key revoke'; readonly uuid: string }
  | { readonly name: 'limits set'; readonly namespace: string; readonly patch: Readonly<Partial<Record<LimitField, unknown>>> }
  | { readonly name: 'limits get'; readonly namespace: string }
  | { readonly name: 'limits delete'; readonly namespace: string };

export type StoreChoice = { readonly kind: 'redis' } | { readonly kind: 'embedded'; readonly dataDir: string };

export interface AdminInvocation {
  readonly command: AdminCommand;
  readonly store: StoreChoice;
}

type Options = ReadonlyMap<string, string>;

interface CommandSpec {
  /** The positional arguments' names, in order. */
  readonly args: readonly string[];
  /** Options besides the global --data-dir. */
  readonly options: readonly string[];
  readonly build: (args: readonly string[], options: Options) => AdminCommand;
}

const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  'user create': {
    args: ['subject'],
    options: ['namespace', 'auth'],
    build: ([subject = ''], options) => {
      const namespace = options.get('namespace');
      return {
        name: 'user create',
        subject: checkSubject(subject),
        namespace: namespace !== undefined ? checkNamespace(namespace) : checkNamespace(subject, 'the subject, used as its namespace'),
        ...checkAuth(options.get('auth')),
      };
    },
  },
  'user list': { args: ['subject'], options: [], build: ([subject = '']) => ({ name: 'user list', subject: checkSubject(subject) }) },
  'namespace create': {
    args: ['subject', 'namespace'],
    options: ['auth'],
    build: ([subject = '', namespace = ''], options) => ({
      name: 'namespace create',
      subject: checkSubject(subject),
      namespace: checkNamespace(namespace),
      ...checkAuth(options.get('auth')),
    }),
  },
  'key issue': {
    args: ['namespace'],
    options: ['auth'],
    build: ([namespace = ''], options) => ({ name: 'key issue', namespace: checkNamespace(namespace), ...checkAuth(options.get('auth')) }),
  },
  'key list': { args: ['namespace'], options: [], build: ([namespace = '']) => ({ name: 'key list', namespace: checkNamespace(namespace) }) },
  'key revoke': { args: ['uuid'], options: [], build: ([uuid = '']) => ({ name: 'key revoke', uuid: checkKeyUuid(uuid) }) },
  'limits set': { args: ['namespace'], options: LIMIT_FIELD_NAMES, build: ([namespace = ''], options) => limitsSet(namespace, options) },
  'limits get': { args: ['namespace'], options: [], build: ([namespace = '']) => ({ name: 'limits get', namespace: checkNamespace(namespace) }) },
  'limits delete': { args: ['namespace'], options: [], build: ([namespace = '']) => ({ name: 'limits delete', namespace: checkNamespace(namespace) }) },
};

const GLOBAL_OPTIONS: readonly string[] = ['data-dir'];

export function parseAdminArgs(argv: readonly string[]): AdminInvocation {
  const { positionals, options, help } = readCommandLine(argv);
  if (positionals.length === 0 || positionals[0] === 'help' || help) return { command: { name: 'help' }, store: { kind: 'redis' } };
  const dataDir = options.get('data-dir');
  if (dataDir !== undefined && dataDir.trim() === '') throw new UsageError('--data-dir needs a directory');
  const store: StoreChoice = dataDir === undefined ? { kind: 'redis' } : { kind: 'embedded', dataDir };
  const [group, action, ...args] = positionals;
  const name = `${group} ${action ?? ''}`.trim();
  const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!spec) throw new UsageError(`unknown command '${name}'`);
  for (const option of options.keys()) {
    if (!GLOBAL_OPTIONS.includes(option) && !spec.options.includes(option)) throw new UsageError(`'${name}' takes no option --${option}`);
  }
  const wanted = spec.args;
  if (args.length < wanted.length) throw new UsageError(`'${name}' needs ${wanted.map((n) => `<${n}>`).join(' ')}; missing <${wanted[args.length]}>`);
  if (args.length > wanted.length) throw new UsageError(`'${name}' takes ${wanted.length} argument${wanted.length === 1 ? '' : 's'}, but got ${args.length}: ${args.join(' ')}`);
  return { store, command: spec.build(args, options) };
}

function limitsSet(namespace: string, options: Options): AdminCommand {
  const patch: Partial<Record<LimitField, unknown>> = {};
  for (const [option, raw] of options) {
    if (isLimitField(option)) patch[option] = limitValue(option, raw);
  }
  if (Object.keys(patch).length === 0) throw new UsageError(`'limits set' needs at least one --FIELD VALUE; fields: ${LIMIT_FIELD_NAMES.join(', ')}`);
  return { name: 'limits set', namespace: checkNamespace(namespace), patch };
}

interface CommandLine {
  readonly positionals: string[];
  readonly options: Map<string, string>;
  readonly help: boolean;
}

/**
 * Every --option takes a value (--name VALUE or --name=VALUE) but --help. wisp-admin has no
 * single-dash options, so `-x` is refused; after a lone `--` every word is an argument.
 */
function readCommandLine(argv: readonly string[]): CommandLine {
  // Each option the line names is declared, so an unknown one takes its value too and is refused by name.
  const named = argv.map((arg) => /^--([^=]+)/.exec(arg)?.[1]).filter((name): name is string => name !== undefined);
  const { tokens } = parseArgs({
    args: [...argv],
    options: { ...Object.fromEntries(named.map((name) => [name, { type: 'string' as const }])), help: { type: 'boolean' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const positionals: string[] = [];
  const options = new Map<string, string>();
  let help = false;
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    else if (token.kind === 'option') {
      const arg = argv[token.index] ?? '';
      if (!token.rawName.startsWith('--')) throw new UsageError(`'${arg.slice(0, 80)}' is not an option: options are --name VALUE (put -- before an argument that starts with -)`);
      if (token.name === 'help') help = true;
      else addOption(options, token.name, token.value, token.inlineValue === true, arg);
    }
  }
  return { positionals, options, help };
}

function addOption(options: Map<string, string>, name: string, value: string | undefined, inline: boolean, arg: string): void {
  if (!/^[A-Za-z][\w-]*$/.test(name)) throw new UsageError(`'${arg.slice(0, 80)}' is not an option`);
  if (value === undefined || (!inline && value.startsWith('--') && value.length > 2)) throw new UsageError(`--${name} needs a value`);
  if (options.has(name)) throw new UsageError(`--${name} is given more than once`);
  options.set(name, value);
}
