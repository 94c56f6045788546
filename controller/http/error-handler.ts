import type { Middleware } from 'koa';
import type { ErrorCode } from '../../common/errors/error-catalogue';
import { Messages } from '../../common/errors/messages';
import { isPlatformError } from '../../common/errors/platform-error';
import type { RequestState } from './request-context';

/**
 * The only place errors become HTTP bodies: `{error, code}` with the transaction id as `code`
 * (OpenWhisk's ErrorResponse). Unknown errors are logged with their stack and answered 500
 * with a generic sentence.
 */
export function errorHandler(): Middleware<RequestState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { error: Messages.routeNotFound, code: ctx.state.transid };
      }
    } catch (err) {
      if (isPlatformError(err)) {
        ctx.status = err.status;
        for (const [name, value] of Object.entries(err.headers)) ctx.set(name, value);
        ctx.body = { error: err.expose ? err.message : Messages.internalError, code: ctx.state.transid };
        // The catalogue code stays out of the body (OpenWhisk clients match it exactly) and goes to the log.
        if (err.expose) ctx.state.log.debug({ errorCode: err.code }, 'request refused');
        else ctx.state.log.error({ err, errorCode: err.code }, 'request failed');
        return;
      }
      ctx.state.log.error({ err, errorCode: 'internal-error' satisfies ErrorCode }, 'unexpected error');
      ctx.status = 500;
      ctx.body = { error: Messages.internalError, code: ctx.state.transid };
    }
  };
}
