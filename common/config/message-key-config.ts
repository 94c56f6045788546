import { MESSAGE_KEY_BYTES, parseMessageKey, type MessageKey } from '../protocol/message-seal';
import type { EnvReader } from './env-reader';

// WISP_MESSAGE_KEY seals the caller's key and the parameters of every activation message on the
// bus (ADR 0014). Controllers seal and invokers open, so every one of them needs the same key;
// there is no default, because a default would be a key everyone knows.

export const MESSAGE_KEY_VARIABLE = 'WISP_MESSAGE_KEY';

export function readMessageKey(reader: EnvReader): MessageKey {
  const text = reader.optionalString(MESSAGE_KEY_VARIABLE);
  const key = text === undefined ? undefined : parseMessageKey(text);
  if (text === undefined) {
    reader.problem(`${MESSAGE_KEY_VARIABLE} is required: ${MESSAGE_KEY_BYTES} random bytes as base64 or hex, the same for every controller and invoker (e.g. \`openssl rand -base64 32\`)`);
  } else if (!key) {
    // Never echo the value: it is a secret, even when malformed.
    reader.problem(`${MESSAGE_KEY_VARIABLE} must be ${MESSAGE_KEY_BYTES} bytes as base64 or 64 hex digits, but was ${text.length} characters that are neither`);
  }
  return key ?? (Buffer.alloc(MESSAGE_KEY_BYTES) as MessageKey);
}
