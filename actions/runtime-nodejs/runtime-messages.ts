// What the nodejs proxy answers to /init and /run (the payloads are common/protocol/runtime-protocol.ts).
// These strings are byte for byte what OpenWhisk's nodejs proxy answers; the invoker's tests match them.

/** What the proxy answers: a status code and a JSON body. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
}

export const RuntimeMessages = {
  initTwice: 'Cannot initialize the action more than once.',
  missingCode: 'Missing main/no code to execute.',
  initFailed: (detail: string) => `Initialization has failed due to: ${detail}`,
  notAFunction: (main: string) => `Action entrypoint '${main}' is not a function.`,
  zipWithoutEntry: 'Zipped actions must contain either package.json or index.js at the root.',
  unsupportedArchive: 'There was an error uncompressing the action archive. The file type is unsupported',
  brokenArchive: 'There was an error uncompressing the action archive.',
  notInitialized: 'System not initialized.',
  notReady: (status: string) => `System not ready, status is ${status}.`,
  notADictionary: 'The action did not return a dictionary.',
  argumentNotDictionary: (type: string) => `Internal system error: the argument must be a dictionary but has type '${type}'.`,
  errorOccurred: (error: string) => `An error has occurred: ${error}`,
  badRequest: 'Bad request.',
  /** Wisp's own: a request without this container's proxy token (common/protocol/runtime-protocol.ts). */
  wrongProxyToken: 'Missing or wrong proxy token.',
} as const;

export const errorReply = (status: number, message: string): Reply => ({ status, body: { error: message } });
