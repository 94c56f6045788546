// wsk's exit codes (openwhisk-client-go whisk/wskerror.go and client.go, and the codes
// OpenWhisk's CLI system tests expect in TestUtils.java): an HTTP error exits with its status
// minus 256, the way client-go computes it, so 404 exits 148 and an application error's 502 exits 246.

export const EXIT_OK = 0;
/** wsk's EXIT_CODE_ERR_GENERAL: also what it gives an unknown command or a wrong argument count. */
export const EXIT_GENERAL = 1;
/** wsk's EXIT_CODE_ERR_USAGE (MISUSE_EXIT): no key set, a missing file, a bad flag value. */
export const EXIT_USAGE = 2;
/** wsk's EXIT_CODE_ERR_NETWORK: the platform did not answer. */
export const EXIT_NETWORK = 3;
/** wsk's EXIT_CODE_TIMED_OUT: a blocking invoke answered 202, the activation is still running. */
export const EXIT_TIMED_OUT = 202;

/** `status - 256` as client-go computes it; a status outside 256..511 (none is) keeps the low byte a shell sees. */
export function exitCodeForStatus(status: number): number {
  const code = status - 256;
  return ((code % 256) + 256) % 256;
}
