// What one HTTP call into a runtime proxy (/init or /run) came to, as data: the action client
// never throws, so every way a call can end is a case the classifier must handle.

export type CallOutcome =
  /** The proxy answered within the deadline with a body no larger than the cap. */
  | { readonly kind: 'response'; readonly status: number; readonly body: string }
  /** The deadline passed before the response was complete. */
  | { readonly kind: 'timeout' }
  /** The connection was refused, reset or closed before a complete response. */
  | { readonly kind: 'dropped'; readonly reason: string }
  /** The body exceeded the cap; `length` is its size in bytes, `truncated` its first `max` bytes. */
  | { readonly kind: 'too-large'; readonly status: number; readonly length: number; readonly max: number; readonly truncated: string };

/** Results larger than this become an application error (OpenWhisk's 1 MB action result limit). */
export const MAX_RESULT_BYTES = 1024 * 1024;

export function assertNever(value: never): never {
  throw new Error(`unexpected case: ${JSON.stringify(value)}`);
}
