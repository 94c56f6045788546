import Router from '@koa/router';
import type { RequestState } from '../http/request-context';
import type { InvokerRegistry } from '../invocation/invoker-registry';

// Unauthenticated routes: API info as `wsk` reads it, liveness, and invoker health.

export function systemRoutes(options: { build: string; registry: InvokerRegistry }): Router<RequestState> {
  const router = new Router<RequestState>();
  router.get('/api/v1', (ctx) => {
    ctx.body = {
      description: 'OpenWhisk API',
      api_version: '1.0.0',
      api_version_path: 'v1',
      build: options.build,
      buildno: options.build,
      swagger_paths: { ui: '/docs', 'api-docs': '/api-docs' },
    };
  });
  router.get('/ping', (ctx) => {
    ctx.body = 'pong';
  });
  router.get('/invokers', (ctx) => {
    ctx.body = Object.fromEntries(options.registry.invokers().map((i) => [i.invokerId, i.state]));
  });
  router.get('/invokers/healthy/count', (ctx) => {
    ctx.body = options.registry.invokers().filter((i) => i.state === 'up').length;
  });
  return router;
}
