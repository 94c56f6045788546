import Router from '@koa/router';
import type { RequestState } from '../http/request-context';

export function namespaceRoutes(): Router<RequestState> {
  const router = new Router<RequestState>();
  router.get('/namespaces', (ctx) => {
    ctx.body = [ctx.state.identity!.namespace];
  });
  return router;
}
