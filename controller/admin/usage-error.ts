/** A wisp-admin command line that cannot run: the message names the argument, the value and the rule. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
