import type { Middleware } from 'koa';
import { newTransactionId } from '../../common/ids';
import type { Logger } from '../../common/logging/logger';
import type { RequestState } from './request-context';

export const REQUEST_ID_HEADER = 'X-Request-ID';
const ACCEPTABLE_ID = /^[\w.:-]{1,128}$/;

/** Reads the caller's X-Request-ID (or issues one), echoes it on every response, and gives the request a child logger. */
export function transactionId(logger: Logger): Middleware<RequestState> {
  return async (ctx, next) => {
    const given = ctx.get(REQUEST_ID_HEADER);
    const transid = ACCEPTABLE_ID.test(given) ? given : newTransactionId();
    ctx.state.transid = transid;
    ctx.state.log = logger.child({ transid });
    ctx.set(REQUEST_ID_HEADER, transid);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = ctx.status >= 500 ? 'error' : 'debug';
      ctx.state.log[level]({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 100) / 100 }, 'request completed');
    }
  };
}
