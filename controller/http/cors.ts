import type { Middleware } from 'koa';
import { WEB_PREFIX } from '../web/web-path';

// OpenWhisk's CORS settings (HTTP/CorsSettings.scala); OPTIONS is answered without auth.
// Web actions answer CORS themselves (web-cors.ts): an action may take OPTIONS over.
export function cors(): Middleware {
  return async (ctx, next) => {
    if (ctx.path.startsWith(WEB_PREFIX)) return next();
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Access-Control-Allow-Methods', 'GET, DELETE, POST, PUT, HEAD');
    ctx.set('Access-Control-Allow-Headers', 'Authorization, Origin, X-Requested-With, Content-Type, Accept, User-Agent');
    if (ctx.method === 'OPTIONS') {
      ctx.status = 200;
      return;
    }
    await next();
  };
}
