import { isBinaryCode } from '../../common/entities/action';
import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { isBinaryMediaType, isJsonMediaType, mediaTypeOf } from './web-request';
import type { WebExtension } from './web-path';

// A finished web action's activation as an HTTP answer (CTL/WebActions.scala `completeRequest`
// and the transcoders). Success answers the result (projected by the path after the extension
// for every extension but `.http`); an application error answers its `error` value; a developer
// or platform error answers 400 without details. Then, per extension:
//   .json  an object or array, as application/json
//   .html  a string (or the object's `body`, else `html`), as text/html
//   .svg   a string (or `body`, else `svg`), as image/svg+xml
//   .text  a scalar, object or array (or `body`, else `text`), as text/plain
//   .http  `{statusCode, headers, body}`: a string body in the given content type (default
//          text/html; base64-decoded for binary types), any other body as JSON, none → 204.
// Header names and values are checked here: a result cannot split the response or set the
// framing headers, and anything it may not say is a 400, never a 500.

export interface WebAnswer {
  readonly status: number;
  /** Headers from the action, in order; a name may repeat (e.g. Set-Cookie). */
  readonly headers: readonly (readonly [string, string])[];
  readonly contentType?: string;
  /** undefined: an empty entity. */
  readonly body?: string | Buffer;
}

export interface WebOutcome {
  /** The activation's status code: 0 success, 1 application error, 2 developer error, 3 platform error. */
  readonly statusCode: number;
  readonly result: unknown;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Visible ASCII, space and tab, and obs-text; no CR, LF or NUL.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Framing belongs to the server; a result naming these has them dropped. */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function webAnswer(outcome: WebOutcome, extension: WebExtension, projection: readonly string[] | undefined): WebAnswer {
  if (outcome.statusCode !== 0 && outcome.statusCode !== 1) throw new PlatformError('web-action-failed', Messages.webErrorProcessingRequest);
  const path = outcome.statusCode === 1 ? ['error'] : extension === 'http' ? [] : projection;
  const value = path === undefined ? undefined : project(outcome.result, path);
  if (value === undefined) throw new PlatformError('web-property-not-found', Messages.webPropertyNotFound);
  switch (extension) {
    case 'json':
      return asJson(value);
    case 'html':
      return asMarkup(value, 'html', 'text/html', 'text/html; charset=UTF-8');
    case 'svg':
      return asMarkup(value, 'svg', 'image/svg+xml', 'image/svg+xml');
    case 'text':
      return asText(value);
    case 'http':
      return asHttp(value);
  }
}

function project(result: unknown, path: readonly string[]): unknown {
  let value = result;
  for (const field of path) {
    if (!isObject(value) || !Object.hasOwn(value, field)) return undefined;
    value = value[field];
  }
  return value;
}

function asJson(value: unknown): WebAnswer {
  if (typeof value !== 'object' || value === null) throw invalid('application/json');
  return { status: 200, headers: [], contentType: 'application/json', body: JSON.stringify(value) };
}

function asMarkup(value: unknown, field: string, mediaType: string, contentType: string): WebAnswer {
  const content = isObject(value) ? (Object.hasOwn(value, 'body') ? value.body : value[field]) : value;
  if (typeof content !== 'string') throw invalid(mediaType);
  return { status: 200, headers: [], contentType, body: content };
}

function asText(value: unknown): WebAnswer {
  const content = isObject(value) ? (Object.hasOwn(value, 'body') ? value.body : value.text) : value;
  if (content === undefined) throw new PlatformError('web-property-not-found', Messages.webPropertyNotFound);
  const text = typeof content === 'string' ? content : typeof content === 'object' && content !== null ? JSON.stringify(content, null, 2) : String(content);
  return { status: 200, headers: [], contentType: 'text/plain; charset=UTF-8', body: text };
}

function asHttp(value: unknown): WebAnswer {
  if (!isObject(value)) throw invalid('message/http');
  const headers = httpHeaders(value.headers);
  const status = httpStatus(value.statusCode);
  const body = value.body;
  const declared = headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  const others = headers.filter(([name]) => name.toLowerCase() !== 'content-type');
  if (body === undefined || body === null || body === '') return { status: status ?? 204, headers: others };
  if (typeof body === 'string') {
    const mediaType = declared === undefined ? 'text/html' : parsedMediaType(declared);
    const contentType = declared ?? 'text/html; charset=UTF-8';
    // JSON-family bodies that look like base64 are decoded, for actions written before binary types existed.
    const decode = isBinaryMediaType(mediaType) || (isJsonMediaType(mediaType) && isBinaryCode(body));
    return { status: status ?? 200, headers: others, contentType, body: decode ? strictBase64(body) : body };
  }
  const mediaType = declared === undefined ? 'application/json' : parsedMediaType(declared);
  if (!isJsonMediaType(mediaType)) throw new PlatformError('web-response-content-type-mismatch', Messages.webContentTypeMismatch);
  return { status: status ?? 200, headers: others, contentType: declared ?? 'application/json', body: JSON.stringify(body) };
}

function httpHeaders(value: unknown): [string, string][] {
  if (value === undefined) return [];
  if (!isObject(value)) throw invalid('message/http');
  const out: [string, string][] = [];
  const add = (name: string, v: unknown): void => {
    if (Array.isArray(v)) {
      for (const inner of v) add(name, inner);
      return;
    }
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw invalid('message/http');
    const text = String(v);
    if (!HEADER_VALUE.test(text)) throw invalid('message/http');
    if (!FRAMING_HEADERS.has(name.toLowerCase())) out.push([name, text]);
  };
  for (const [name, v] of Object.entries(value)) {
    if (!HEADER_NAME.test(name)) throw invalid('message/http');
    add(name, v);
  }
  return out;
}

function httpStatus(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const code = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d{1,3}\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(code) || code < 200 || code > 599) throw invalid('message/http');
  return code;
}

function parsedMediaType(contentType: string): string {
  const mediaType = mediaTypeOf(contentType);
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(mediaType)) throw new PlatformError('web-response-content-type-unknown', Messages.webUnknownContentType);
  return mediaType;
}

function strictBase64(body: string): Buffer {
  const compact = body.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) throw new PlatformError('web-response-content-type-mismatch', Messages.webContentTypeMismatch);
  return Buffer.from(compact, 'base64');
}

function invalid(mediaType: string): PlatformError {
  return new PlatformError('web-response-invalid', Messages.webInvalidMedia(mediaType));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
