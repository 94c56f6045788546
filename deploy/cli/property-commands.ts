import type { Command } from 'commander';
import type { CliEnvironment } from './cli-context';
import { CliUsageError } from './cli-error';
import { handle, leaf } from './command-kit';
import { table } from './output';
import { writePropsFile, withChanges } from './props-file';

// `wisp property set|get|unset`: the property file (~/.wskprops, or $WSK_CONFIG_FILE) in wsk's
// words. `get` and `unset` take --auth, --apihost and --namespace as switches, so they declare
// their own flags instead of the global ones that take values.

interface PropertyFlags {
  readonly apihost?: boolean | string;
  readonly auth?: boolean | string;
  readonly namespace?: boolean | string;
  readonly all?: boolean;
}

const FIELDS = [
  { key: 'APIHOST', flag: 'apihost', label: 'whisk API host' },
  { key: 'AUTH', flag: 'auth', label: 'whisk auth' },
  { key: 'NAMESPACE', flag: 'namespace', label: 'whisk namespace' },
] as const;

export function registerPropertyCommands(program: Command, cli: CliEnvironment): void {
  const property = program.command('property').description('work with the property file (~/.wskprops)');

  leaf(property, 'set', 'set properties')
    .option('--namespace <namespace>', 'the namespace of names given without one (default: _, the key’s own)')
    .action(
      handle<{ apihost?: string; auth?: string; namespace?: string }>(cli, async (ctx, _args, options) => {
        const changes: Record<string, string> = {};
        if (options.apihost !== undefined) changes.APIHOST = options.apihost;
        if (options.auth !== undefined) changes.AUTH = options.auth;
        if (options.namespace !== undefined) changes.NAMESPACE = options.namespace;
        if (Object.keys(changes).length === 0) throw new CliUsageError('Nothing to set: give --apihost, --auth or --namespace.');
        writePropsFile(ctx.propsPath, withChanges(ctx.props(), changes));
        ctx.report(changes, () =>
          [
            changes.AUTH !== undefined ? "ok: whisk auth set. Run 'wisp property get --auth' to see the new value." : '',
            changes.APIHOST !== undefined ? `ok: whisk API host set to ${changes.APIHOST}` : '',
            changes.NAMESPACE !== undefined ? `ok: whisk namespace set to ${changes.NAMESPACE}` : '',
          ]
            .filter((l) => l !== '')
            .join('\n'),
        );
      }),
    );

  switches(property.command('get').description('show properties (all of them without a switch)'))
    .option('--all', 'every property')
    .action(
      handle<PropertyFlags>(cli, async (ctx, _args, options) => {
        const props = ctx.props();
        const chosen = selected(options, true);
        const values = Object.fromEntries(chosen.map((f) => [f.key, props.get(f.key) ?? '']));
        ctx.report(values, () => table(chosen.map((f) => [f.label, props.get(f.key) ?? (f.key === 'NAMESPACE' ? '_' : '')]), [24]));
      }),
    );

  switches(property.command('unset').description('remove properties')).action(
    handle<PropertyFlags>(cli, async (ctx, _args, options) => {
      const chosen = selected(options, false);
      if (chosen.length === 0) throw new CliUsageError('Nothing to unset: give --apihost, --auth or --namespace.');
      writePropsFile(ctx.propsPath, withChanges(ctx.props(), Object.fromEntries(chosen.map((f) => [f.key, undefined]))));
      ctx.report(
        chosen.map((f) => f.key),
        () => chosen.map((f) => (f.key === 'NAMESPACE' ? "ok: whisk namespace unset. The default value of '_' will be used." : `ok: ${f.label} unset.`)).join('\n'),
      );
    }),
  );
}

function switches(command: Command): Command {
  return command
    .option('--apihost', 'the API host')
    .option('-u, --auth', 'the API key')
    .option('--namespace', 'the namespace')
    .option('--json', 'print as JSON, for scripts');
}

function selected(options: PropertyFlags, allWhenNone: boolean): Array<(typeof FIELDS)[number]> {
  const chosen = FIELDS.filter((f) => options[f.flag] === true);
  return chosen.length === 0 && (allWhenNone || options.all === true) ? [...FIELDS] : chosen;
}
