import type { ActionMain } from './load-action';
import { RuntimeMessages, errorReply, type Reply } from './runtime-messages';

// One /run of the loaded function, mapped to the proxy's answer the way OpenWhisk's nodejs
// proxy maps it: a rejected promise is an application error the action chose (200 with
// `error`), a synchronous throw or a non-object result is the developer's fault (502).

/** A body already serialized, so a large result is stringified once and checked on the way. */
export class EncodedJson {
  constructor(readonly text: string) {}
}

export async function runAction(main: ActionMain, params: unknown, logError: (...args: unknown[]) => void): Promise<Reply> {
  let returned: unknown;
  try {
    returned = main(params);
  } catch (error) {
    logError(error);
    return errorReply(502, RuntimeMessages.errorOccurred(describe(error)));
  }
  let result: unknown;
  try {
    result = await returned;
  } catch (error) {
    // A bare reject() (or any falsy reason) is `{"error": {}}`, as upstream answers.
    return { status: 200, body: { error: error ? serializeError(error) : {} } };
  }
  if (result === undefined) return { status: 200, body: {} };
  if (typeof result !== 'object' || result === null) {
    logError(`Result must be of type object but has type "${result === null ? 'null' : typeof result}":`, result);
    return errorReply(502, RuntimeMessages.notADictionary);
  }
  try {
    return { status: 200, body: new EncodedJson(JSON.stringify(result)) };
  } catch (error) {
    logError(error);
    return errorReply(502, RuntimeMessages.errorOccurred(describe(error)));
  }
}

/** Errors become `{name, message, stack, ...own fields}`; anything else what JSON can carry. */
export function serializeError(error: unknown): unknown {
  if (error instanceof Error) {
    const out: Record<string, unknown> = { name: error.name, message: error.message };
    if (error.stack) out.stack = error.stack;
    for (const [key, value] of Object.entries(error)) out[key] = jsonSafe(value);
    return out;
  }
  return jsonSafe(error);
}

function jsonSafe(value: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? describe(value) : (JSON.parse(text) as unknown);
  } catch {
    return describe(value);
  }
}

export function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
