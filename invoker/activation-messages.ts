// The sentences an invoker writes into activation records. Strings marked "OpenWhisk" are
// byte-for-byte what its ActivationResponse and Messages say, because clients and upstream
// tests match them. They live beside the invoker rather than in common/errors/messages.ts only
// because nothing else produces them; moving them there later changes no string.

export const ActivationMessages = {
  // OpenWhisk
  initFailed: (body: string) => `The action failed during initialization: ${body}`,
  initExitedUnexpectedly: 'The action did not initialize and exited unexpectedly.',
  timedOut: (ms: number, duringInit: boolean) =>
    `The action exceeded its time limits of ${ms} milliseconds${duringInit ? ' during initialization.' : '.'}`,
  invalidRunResponse: (body: string) => `The action did not produce a valid JSON or JSON Array response: ${body}`,
  runExitedUnexpectedly: 'The action did not produce a valid response and exited unexpectedly.',
  memoryExhausted: 'The action exhausted its memory and was aborted.',
  truncatedResponse: (length: number, max: number, truncated: string) =>
    `The action produced a response that exceeded the allowed length: ${length} > ${max} bytes. The truncated response was: ${truncated}`,
  imagePullFailed: (image: string) => `Failed to pull container image '${image}'.`,
  actionMissing: 'Action could not be found or may have been deleted.',
  actionIncompatible: 'Action version is not compatible and cannot be invoked.',
  actionFetchFailed: 'Action could not be fetched.',
  provisionFailed: 'Failed to provision resources to run the action.',
  logsTruncated: (limitBytes: number) => `Logs were truncated because the total bytes size exceeds the limit of ${limitBytes} bytes.`,
  logsIncomplete: 'There was an issue while collecting your logs. Data might be missing.',
  logsAfterDeveloperError: 'The action did not initialize or run as expected. Log data might be missing.',

  // Wisp's own
  revisionChanged: (requested: string, stored: string) =>
    `The action was updated after this activation was accepted (revision '${requested}' was invoked, '${stored}' is stored); it was not run.`,
  memoryExceedsInvoker: (memoryMb: number, userMemoryMb: number) =>
    `The action's memory limit of ${memoryMb} MB exceeds this invoker's user memory of ${userMemoryMb} MB.`,
  gpuExceedsInvoker: (memoryMb: number, count: number) =>
    `The action's GPU limit of ${count} device(s) with ${memoryMb} MB each exceeds this invoker's GPUs.`,
  unsupportedKind: (kind: string) => `The action's kind '${kind}' has no runtime on this invoker.`,
  internalError: 'An internal error occurred while running the action.',
  blackboxUnsupported: (image: string) =>
    `This platform runs actions as local processes and cannot run the blackbox image '${image}'; run the invoker with Docker containers (WISP_CONTAINER_FACTORY=docker).`,
} as const;
