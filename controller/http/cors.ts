import type { Middleware } from 'koa';

// OpenWhisk's CORS settings (HTTP/CorsSettings.scala); OPTIONS is answered without auth.
export function cors(): Middleware {
  return async (ctx, next) => {
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
