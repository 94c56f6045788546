import { Command } from 'commander';
import { registerActionCommands } from './action-commands';
import { registerActivationCommands } from './activation-commands';
import type { CliEnvironment } from './cli-context';
import { withGlobalOptions } from './command-kit';
import { registerNamespaceCommands } from './namespace-commands';
import { registerPackageCommands } from './package-commands';
import { registerPropertyCommands } from './property-commands';
import { registerRuleCommands } from './rule-commands';
import { registerTriggerCommands } from './trigger-commands';

// The `wisp` command tree. The global flags are declared on the program (for `wisp -i action
// list`) and again on every leaf (for `wisp action list -i`, as wsk allows); positional options
// keep the program from taking a leaf's own --auth switch (`property get --auth`) as its value.

export function buildProgram(cli: CliEnvironment): Command {
  const program = withGlobalOptions(new Command('wisp'))
    .description('Wisp’s command line, in the habits of OpenWhisk’s wsk')
    .version(cli.version, '--version', 'print the CLI version')
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => cli.out.stdout(text),
      writeErr: (text) => cli.out.stderr(text),
      outputError: (text, write) => write(text.endsWith('\n') ? text : `${text}\n`),
    });
  registerPropertyCommands(program, cli);
  registerActionCommands(program, cli);
  registerTriggerCommands(program, cli);
  registerRuleCommands(program, cli);
  registerPackageCommands(program, cli);
  registerNamespaceCommands(program, cli);
  registerActivationCommands(program, cli);
  return program;
}
