import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';

// An HTTP request as a web action's arguments (CTL/WebActions.scala `Context`): `__ow_method`,
// `__ow_headers`, `__ow_path`, `__ow_user` when the caller authenticated; then the query
// parameters and, for a JSON object or a form, the body's fields (the body wins). Any other body
// goes whole into `__ow_body`: a string for text types, base64 for binary ones. With `raw-http`
// the query string and the body are passed untouched as `__ow_query` and `__ow_body` (base64 for
// binary types and, as OpenWhisk keeps for old actions, for `application/json`).
// Objects are built with spreads and Object.fromEntries so a key like `__proto__` stays a key.

export const RESERVED_WEB_PARAMETERS = ['__ow_method', '__ow_headers', '__ow_path', '__ow_user', '__ow_query', '__ow_body'] as const;

export interface WebRequest {
  readonly method: string;
  /** Lowercased names, as Node gives them. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly extraPath: string;
  /** The query string without `?`, undecoded. */
  readonly rawQuery: string;
  readonly body: Buffer;
  /** The Content-Type header as sent ('' when none). */
  readonly contentType: string;
}

export interface WebArgumentOptions {
  readonly rawHttp: boolean;
  /** The authenticated caller's namespace, if any; its Authorization header is then kept from the action. */
  readonly user?: string;
  /** Parameters the action fixed (`final`), which the query and body may not name. */
  readonly fixed: ReadonlySet<string>;
}

export function webArguments(request: WebRequest, options: WebArgumentOptions): Record<string, unknown> {
  const meta = {
    __ow_method: request.method.toLowerCase(),
    __ow_headers: headerMap(request.headers, options.user !== undefined),
    __ow_path: request.extraPath,
    ...(options.user !== undefined ? { __ow_user: options.user } : {}),
  };
  const mediaType = mediaTypeOf(request.contentType);
  if (options.rawHttp) {
    const body = request.body.length === 0 ? '' : mediaType === 'application/json' || isBinaryMediaType(mediaType) ? request.body.toString('base64') : request.body.toString('utf8');
    return { ...meta, __ow_query: request.rawQuery, __ow_body: body };
  }
  const query = Object.fromEntries(new URLSearchParams(request.rawQuery));
  const body = parsedBody(request.body, mediaType);
  const bodyFields = isPlainObject(body) ? body : undefined;
  const refused = new Set<string>([...RESERVED_WEB_PARAMETERS, ...options.fixed]);
  if ([...Object.keys(query), ...Object.keys(bodyFields ?? {})].some((key) => refused.has(key))) {
    throw new PlatformError('parameters-not-allowed', Messages.parametersNotAllowed);
  }
  const boxed = body !== undefined && !bodyFields ? { __ow_body: body } : {};
  return { ...meta, ...query, ...bodyFields, ...boxed };
}

/** `type/subtype` in lowercase, without parameters; '' when none was sent. */
export function mediaTypeOf(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

export function isJsonMediaType(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

/** Binary media types travel as base64. A body without a type is octet-stream, as HTTP says. */
export function isBinaryMediaType(mediaType: string): boolean {
  if (mediaType === '') return true;
  if (mediaType.startsWith('text/') || isJsonMediaType(mediaType) || mediaType.endsWith('+xml')) return false;
  return !['application/xml', 'application/javascript', 'application/x-www-form-urlencoded', 'application/graphql', 'multipart/form-data'].includes(mediaType);
}

function parsedBody(body: Buffer, mediaType: string): unknown {
  if (body.length === 0) return undefined;
  if (isJsonMediaType(mediaType)) {
    try {
      return JSON.parse(body.toString('utf8')) as unknown;
    } catch (err) {
      throw new PlatformError('body-not-json', Messages.malformedContent((err as Error).message));
    }
  }
  if (mediaType === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  return isBinaryMediaType(mediaType) ? body.toString('base64') : body.toString('utf8');
}

function headerMap(headers: WebRequest['headers'], hideAuthorization: boolean): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter((entry): entry is [string, string | readonly string[]] => entry[1] !== undefined)
      .filter(([name]) => !(hideAuthorization && name === 'authorization'))
      .map(([name, value]) => [name.toLowerCase(), typeof value === 'string' ? value : value.join(', ')]),
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
