import type { Command } from 'commander';
import { CommandContext, type CliEnvironment } from './cli-context';
import { collectPair, mergeParams, readParamFile, type KeyValue } from './params';

// The pieces every command group shares: the global flags each leaf command repeats (so a flag
// after the subcommand reaches it, as in wsk), the -p/-P and -a/-A options, and the adapter from
// commander's action callback to a handler that gets a CommandContext.

export function withGlobalOptions(command: Command): Command {
  return command
    .option('--apihost <host>', 'the platform to talk to (APIHOST in the property file)')
    .option('-u, --auth <key>', 'the API key, uuid:key (AUTH in the property file)')
    .option('-i, --insecure', 'accept a self-signed TLS certificate')
    .option('--json', 'print the platform’s answer as JSON, for scripts');
}

/** A leaf command: `parent <nameAndArgs>` with the global flags. */
export function leaf(parent: Command, nameAndArgs: string, description: string): Command {
  return withGlobalOptions(parent.command(nameAndArgs).description(description));
}

export function withParamOptions(command: Command, what = 'parameter'): Command {
  return command
    .option('-p, --param <key value>', `a ${what} KEY VALUE (VALUE read as JSON when it is JSON); repeatable`, collectPair)
    .option('-P, --param-file <file>', `a JSON object of ${what}s`);
}

export function withAnnotationOptions(command: Command): Command {
  return command
    .option('-a, --annotation <key value>', 'an annotation KEY VALUE; repeatable', collectPair)
    .option('-A, --annotation-file <file>', 'a JSON object of annotations');
}

export interface PairOptions {
  readonly param?: KeyValue[];
  readonly paramFile?: string;
  readonly annotation?: KeyValue[];
  readonly annotationFile?: string;
}

export function paramsOf(options: PairOptions): KeyValue[] {
  return mergeParams(options.paramFile !== undefined ? readParamFile(options.paramFile) : undefined, options.param);
}

export function annotationsOf(options: PairOptions): KeyValue[] {
  return mergeParams(options.annotationFile !== undefined ? readParamFile(options.annotationFile) : undefined, options.annotation);
}

export type Handler<O> = (ctx: CommandContext, args: string[], options: O) => Promise<void>;

/** commander's `.action()` callback for `handler`: positional arguments, then options, then the command. */
export function handle<O>(cli: CliEnvironment, handler: Handler<O>) {
  return async (...received: unknown[]): Promise<void> => {
    const command = received[received.length - 1] as Command;
    const options = received[received.length - 2] as O;
    const args = received.slice(0, -2).flatMap((a) => (a === undefined ? [] : Array.isArray(a) ? (a as string[]) : [a as string]));
    await handler(new CommandContext(command, cli), args, options);
  };
}
