// The one error base of the platform. Routes and services throw these; the controller's error
// middleware is the only place that turns them into `{error, code}` bodies. Activation
// outcomes (an action that failed) are data, never these.

const brand = Symbol.for('wisp.PlatformError');

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'THROTTLED'
  | 'INTERNAL_ERROR'
  | 'SERVICE_UNAVAILABLE';

export const statusOfCode: Readonly<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  THROTTLED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
};

export class PlatformError extends Error {
  readonly [brand] = true;
  override readonly name = 'PlatformError';
  readonly status: number;
  /** Whether `message` may be shown to the caller; 5xx messages stay in the log. */
  readonly expose: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions & { headers?: Record<string, string> },
  ) {
    super(message, options);
    this.status = statusOfCode[code];
    this.expose = this.status < 500 || this.status === 503;
    this.headers = options?.headers ?? {};
  }

  readonly headers: Record<string, string>;
}

export function isPlatformError(error: unknown): error is PlatformError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}

export const badRequest = (message: string) => new PlatformError('BAD_REQUEST', message);
export const notFound = (message: string) => new PlatformError('NOT_FOUND', message);
export const conflict = (message: string) => new PlatformError('CONFLICT', message);
