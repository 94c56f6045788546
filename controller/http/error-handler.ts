import type { Middleware } from 'koa';
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
        if (!err.expose) ctx.state.log.error({ err }, 'request failed');
        return;
      }
      ctx.state.log.error({ err }, 'unexpected error');
      ctx.status = 500;
      ctx.body = { error: Messages.internalError, code: ctx.state.transid };
    }
  };
}
