import { authProblem } from '../../common/entities/credentials';
import { isValidName } from '../../common/entities/entity-name';
import { subjectProblem } from '../../common/entities/identity';
import { LIMIT_FIELDS, LIMIT_FIELD_NAMES, isLimitField, limitValueProblem, type LimitField } from '../../common/entities/namespace-limits';
import { brandedError, brandGuard } from '../../common/protocol/branded-error';

// wisp-admin's command line, parsed and validated without touching any store: every mistake is
// a UsageError naming the argument, the value and the rule (the entry point exits 2 on it).

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

export class UsageError extends brandedError('UsageError') {}

export const isUsageError = brandGuard(UsageError);

export const USAGE = `usage: wisp-admin <command> [arguments] [--data-dir DIR]

commands:
  user create <subject> [--namespace NS] [--auth UUID:KEY]   create a subject (or add a namespace to it); prints the new uuid:key
  user list <subject>                                        the subject's namespaces and their key uuids
  namespace create <subject> <namespace> [--auth UUID:KEY]   add a namespace to an existing subject; prints its first uuid:key
  key issue <namespace> [--auth UUID:KEY]                    issue another key for a namespace; prints the uuid:key
  key list <namespace>                                       the uuids of a namespace's keys (keys are never shown)
  key revoke <uuid>                                          revoke a key
  limits set <namespace> --FIELD VALUE ...                   set namespace limits (VALUE 'default' clears a field)
  limits get <namespace>                                     the limits set for a namespace (others use system defaults)
  limits delete <namespace>                                  clear every limit of a namespace

limit fields: ${LIMIT_FIELD_NAMES.join(', ')}
  allowedKinds takes a comma-separated list (e.g. nodejs:20,python:3.11); storeActivations takes true or false

store: Redis from WISP_REDIS_URL and WISP_PREFIX (the distributed profile), or with --data-dir DIR
the embedded store of a standalone platform, which must be stopped meanwhile (it holds the store's lock).`;

interface Parsed {
  readonly positionals: string[];
  readonly options: Map<string, string>;
}

const GLOBAL_OPTIONS = new Set(['data-dir']);

export function parseAdminArgs(argv: readonly string[]): AdminInvocation {
  const { positionals, options } = split(argv);
  if (positionals.length === 0 || positionals[0] === 'help' || options.has('help')) {
    return { command: { name: 'help' }, store: { kind: 'redis' } };
  }
  const dataDir = options.get('data-dir');
  if (dataDir !== undefined && dataDir.trim() === '') throw new UsageError('--data-dir needs a directory');
  const store: StoreChoice = dataDir === undefined ? { kind: 'redis' } : { kind: 'embedded', dataDir };
  const [group, action, ...rest] = positionals;
  const name = `${group} ${action ?? ''}`.trim();
  const allowed = (...names: string[]) => {
    for (const option of options.keys()) {
      if (!GLOBAL_OPTIONS.has(option) && !names.includes(option)) throw new UsageError(`'${name}' takes no option --${option}`);
    }
  };
  const args = (...names: string[]) => {
    if (rest.length < names.length) throw new UsageError(`'${name}' needs ${names.map((n) => `<${n}>`).join(' ')}; missing <${names[rest.length]}>`);
    if (rest.length > names.length) throw new UsageError(`'${name}' takes ${names.length} argument${names.length === 1 ? '' : 's'}, but got ${rest.length}: ${rest.join(' ')}`);
    return rest;
  };
  const auth = () => {
    const value = options.get('auth');
    if (value === undefined) return {};
    const problem = authProblem(value);
    if (problem) throw new UsageError(`--auth: ${problem}`);
    return { auth: value };
  };

  switch (name) {
    case 'user create': {
      allowed('namespace', 'auth');
      const [subject] = args('subject');
      const namespace = options.get('namespace');
      return { store, command: { name, subject: checkSubject(subject!), ...(namespace !== undefined ? { namespace: checkNamespace(namespace) } : { namespace: checkNamespace(subject!, 'the subject, used as its namespace') }), ...auth() } };
    }
    case 'user list': {
      allowed();
      const [subject] = args('subject');
      return { store, command: { name, subject: checkSubject(subject!) } };
    }
    case 'namespace create': {
      allowed('auth');
      const [subject, namespace] = args('subject', 'namespace');
      return { store, command: { name, subject: checkSubject(subject!), namespace: checkNamespace(namespace!), ...auth() } };
    }
    case 'key issue': {
      allowed('auth');
      const [namespace] = args('namespace');
      return { store, command: { name, namespace: checkNamespace(namespace!), ...auth() } };
    }
    case 'key list': {
      allowed();
      const [namespace] = args('namespace');
      return { store, command: { name, namespace: checkNamespace(namespace!) } };
    }
    case 'key revoke': {
      allowed();
      const [uuid] = args('uuid');
      if (!/^[\w-]{1,128}$/.test(uuid!)) throw new UsageError(`'${uuid!.slice(0, 80)}' is not a key uuid (give the uuid part of uuid:key only)`);
      return { store, command: { name, uuid: uuid! } };
    }
    case 'limits set': {
      allowed(...LIMIT_FIELD_NAMES);
      const [namespace] = args('namespace');
      const patch: Partial<Record<LimitField, unknown>> = {};
      for (const [option, raw] of options) {
        if (isLimitField(option)) patch[option] = limitValue(option, raw);
      }
      if (Object.keys(patch).length === 0) throw new UsageError(`'limits set' needs at least one --FIELD VALUE; fields: ${LIMIT_FIELD_NAMES.join(', ')}`);
      return { store, command: { name, namespace: checkNamespace(namespace!), patch } };
    }
    case 'limits get':
    case 'limits delete': {
      allowed();
      const [namespace] = args('namespace');
      return { store, command: { name, namespace: checkNamespace(namespace!) } };
    }
    default:
      throw new UsageError(`unknown command '${name}'`);
  }
}

function split(argv: readonly string[]): Parsed {
  const positionals: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const option = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (option === 'help') {
      options.set('help', '');
      continue;
    }
    if (!/^[A-Za-z][\w-]*$/.test(option)) throw new UsageError(`'${arg.slice(0, 80)}' is not an option`);
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) throw new UsageError(`--${option} needs a value`);
      i++;
    }
    if (options.has(option)) throw new UsageError(`--${option} is given more than once`);
    options.set(option, value);
  }
  return { positionals, options };
}

function checkSubject(subject: string): string {
  const problem = subjectProblem(subject);
  if (problem) throw new UsageError(problem);
  return subject;
}

function checkNamespace(namespace: string, what = 'namespace'): string {
  if (!isValidName(namespace)) {
    throw new UsageError(`${what} '${namespace.slice(0, 80)}' is not valid: use letters, digits and '_', with '@', '.', '&', '-' or space inside, at most 256 characters`);
  }
  return namespace;
}

function limitValue(field: LimitField, raw: string): unknown {
  if (raw === 'default') return null;
  const kind = LIMIT_FIELDS[field].kind;
  let value: unknown;
  if (kind === 'count' || kind === 'bound') value = /^\d{1,10}$/.test(raw) ? Number(raw) : raw;
  else if (kind === 'boolean') value = raw === 'true' ? true : raw === 'false' ? false : raw;
  else value = raw.trim() === '' ? [] : raw.split(',').map((k) => k.trim());
  const problem = limitValueProblem(field, value);
  if (problem) throw new UsageError(`--${problem}`);
  return value;
}
