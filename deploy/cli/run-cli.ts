import { CommanderError } from 'commander';
import type { CliEnvironment } from './cli-context';
import { isCliError, isCliExit, isCliHttpError, isCliUsageError } from './cli-error';
import { EXIT_GENERAL, EXIT_OK, EXIT_USAGE } from './exit-codes';
import { pairValueOptions } from './params';
import { buildProgram } from './program';

// One run of `wisp`: parse, run the command, and turn every failure into one line on stderr
// (`error: ...`, with the transaction id where the platform gave one) and wsk's exit code.

/** commander's codes for the mistakes wsk's own CheckArgs and cobra answer with 1, not 2. */
const GENERAL_USAGE_CODES = new Set(['commander.unknownCommand', 'commander.missingArgument', 'commander.excessArguments']);
const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.version']);

export async function runCli(argv: readonly string[], cli: CliEnvironment): Promise<number> {
  const program = buildProgram(cli);
  const json = argv.includes('--json');
  try {
    await program.parseAsync(pairValueOptions(argv), { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has printed its message (or the help) already.
      if (HELP_CODES.has(err.code)) return EXIT_OK;
      if (err.code === 'commander.help') return EXIT_USAGE;
      cli.out.stderr("Run 'wisp --help' for usage.\n");
      return GENERAL_USAGE_CODES.has(err.code) ? EXIT_GENERAL : EXIT_USAGE;
    }
    if (isCliExit(err)) return err.exitCode;
    if (isCliError(err)) {
      if (json) {
        const code = isCliHttpError(err) ? err.code : undefined;
        const status = isCliHttpError(err) ? err.status : undefined;
        cli.out.stderr(`${JSON.stringify({ error: err.message, ...(code !== undefined ? { code } : {}), ...(status !== undefined ? { status } : {}), exitCode: err.exitCode })}\n`);
      } else {
        cli.out.stderr(`error: ${oneLine(err.message)}\n`);
        if (isCliUsageError(err)) cli.out.stderr("Run 'wisp --help' for usage.\n");
      }
      return err.exitCode;
    }
    cli.out.stderr(`error: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT_GENERAL;
  }
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ');
}
