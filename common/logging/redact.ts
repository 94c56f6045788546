import pino from 'pino';

// Every log line's fields pass through here before pino writes them: a key, a password or an
// Authorization header is censored wherever it sits, however deep, in arrays and inside error
// objects too. pino's own `redact` paths are one level per `*`, which let `a.b.c.authKey` out.
// The walk is bounded (depth and node budget) so a huge or cyclic object costs a fixed amount.

export const CENSOR = '[redacted]';
export const MAX_REDACT_DEPTH = 10;
export const MAX_REDACT_NODES = 5000;

/**
 * Field names whose values never reach a log line, compared lower-cased with `-` and `_`
 * removed (so `api_key`, `apiKey`, `X-Api-Key` and `__OW_API_KEY` all match): a name ending in
 * one of these suffixes, or exactly `params` (an action's parameters, which may hold the
 * tenant's own secrets).
 */
const SECRET_SUFFIXES: readonly string[] = ['apikey', 'authkey', 'password', 'passwd', 'authorization', 'secret', 'token', 'cookie', 'messagekey'];
const SECRET_NAMES: ReadonlySet<string> = new Set(['params']);

// A secret can also sit inside a string: an Authorization value in a raw header list or a
// message, or an OpenWhisk `uuid:key` pasted into an error text.
const SECRET_IN_TEXT = /\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{8,}|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[A-Za-z0-9]{32,}/gi;

export function isSecretField(key: string): boolean {
  const name = key.toLowerCase().replace(/[-_]/g, '');
  return SECRET_NAMES.has(name) || SECRET_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

export function redactText(text: string): string {
  return text.replace(SECRET_IN_TEXT, CENSOR);
}

/** A copy of `value` with every secret censored; never throws, never mutates its input. */
export function redactLogValue(value: unknown): unknown {
  const budget = { nodes: MAX_REDACT_NODES };
  return walk(value, 0, budget, new WeakSet<object>());
}

/** The whole object of a log line (or a child logger's bindings). */
export function redactLogObject(object: Record<string, unknown>): Record<string, unknown> {
  const redacted = redactLogValue(object);
  return typeof redacted === 'object' && redacted !== null && !Array.isArray(redacted) ? (redacted as Record<string, unknown>) : {};
}

function walk(value: unknown, depth: number, budget: { nodes: number }, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date || ArrayBuffer.isView(value)) return value;
  if (depth >= MAX_REDACT_DEPTH) return '[too deep]';
  if (--budget.nodes < 0) return '[truncated]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    // An error's message, stack and cause are not enumerable: pino's serializer turns it into a
    // plain object first, and that object is walked like any other.
    const source = value instanceof Error ? (pino.stdSerializers.err(value) as unknown as Record<string, unknown>) : value;
    if (Array.isArray(source)) return source.map((item) => walk(item, depth + 1, budget, seen));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(source)) {
      out[key] = isSecretField(key) && item !== undefined && item !== null ? CENSOR : walk(item, depth + 1, budget, seen);
    }
    return out;
  } catch {
    // A getter that throws, a hostile proxy: the field is dropped rather than the line.
    return '[unreadable]';
  } finally {
    seen.delete(value);
  }
}
