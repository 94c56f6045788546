import { brandedError, brandGuard } from '../../common/protocol/branded-error';
import { EXIT_GENERAL, EXIT_NETWORK, EXIT_USAGE, exitCodeForStatus } from './exit-codes';

// Every way a wisp command fails, each with the exit code wsk gives the same failure, so a
// script written against wsk reads the same codes. main.ts is the only place that prints them.

/** A command line that cannot run: a missing argument, a bad flag value, no key configured. */
export class CliUsageError extends brandedError('CliUsageError') {
  readonly exitCode: number;
  constructor(message: string, exitCode = EXIT_USAGE) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The platform answered 4xx/5xx: `code` is the transaction id of its `{error, code}` body. */
export class CliHttpError extends brandedError('CliHttpError') {
  readonly exitCode: number;
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
    /** The whole answer, for --json output. */
    readonly body: unknown,
  ) {
    super(message);
    this.exitCode = exitCodeForStatus(status);
  }
}

/** No answer at all: connection refused, DNS, TLS, a body that is not JSON. */
export class CliNetworkError extends brandedError('CliNetworkError') {
  readonly exitCode = EXIT_NETWORK;
}

/** Anything else the command itself decided was a failure (a feed that refused, a file it could not write). */
export class CliFailure extends brandedError('CliFailure') {
  readonly exitCode: number = EXIT_GENERAL;
}

/** The command has printed what happened (a failed activation, a blocking invoke still running); only the exit code is left. */
export class CliExit extends brandedError('CliExit') {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export const isCliUsageError = brandGuard(CliUsageError);
export const isCliHttpError = brandGuard(CliHttpError);
export const isCliNetworkError = brandGuard(CliNetworkError);
export const isCliFailure = brandGuard(CliFailure);
export const isCliExit = brandGuard(CliExit);

export type CliError = CliUsageError | CliHttpError | CliNetworkError | CliFailure | CliExit;

export function isCliError(error: unknown): error is CliError {
  return isCliUsageError(error) || isCliHttpError(error) || isCliNetworkError(error) || isCliFailure(error) || isCliExit(error);
}
