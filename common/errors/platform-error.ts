import { brandedError, brandGuard } from '../protocol/branded-error';
import { ERROR_CATALOGUE, type ErrorCode } from './error-catalogue';

// The one error base of the platform. Routes and services throw these; the controller's error
// middleware is the only place that turns them into `{error, code}` bodies. Activation
// outcomes (an action that failed) are data, never these.

export class PlatformError extends brandedError('PlatformError') {
  readonly status: number;
  /** Whether `message` may be shown to the caller; 5xx messages stay in the log. */
  readonly expose: boolean;
  readonly headers: Record<string, string>;

  constructor(
    /** The condition, from the catalogue; it sets the HTTP status. */
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions & { headers?: Record<string, string> },
  ) {
    super(message, options);
    this.status = ERROR_CATALOGUE[code].status;
    this.expose = this.status < 500 || this.status === 503;
    this.headers = options?.headers ?? {};
  }
}

export const isPlatformError = brandGuard(PlatformError);
