import Router from '@koa/router';
import type { RequestState } from '../http/request-context';
import type { InvokerRegistry } from '../invocation/invoker-registry';
import { apiDocsPage, apiDocument } from './api-document';

// Unauthenticated routes: API info as `wsk` reads it, liveness, and invoker health.

/** How this deployment's actions are isolated, where the controller knows (standalone does; a fleet's invokers each choose). */
export interface SandboxInfo {
  readonly containers: 'docker' | 'process';
  readonly isolated: boolean;
  readonly warning?: string;
}

export function systemRoutes(options: { build: string; registry: InvokerRegistry; sandbox?: SandboxInfo }): Router<RequestState> {
  const router = new Router<RequestState>();
  router.get('/api/v1', (ctx) => {
    ctx.body = {
      description: 'OpenWhisk API',
      api_version: '1.0.0',
      api_version_path: 'v1',
      build: options.build,
      buildno: options.build,
      swagger_paths: { ui: '/docs', 'api-docs': '/api-docs' },
      // An extra field: OpenWhisk clients ignore it, a person checking a deployment reads it.
      ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    };
  });
  // The paths swagger_paths advertises, relative to /api/v1.
  const document = apiDocument(options.build);
  router.get('/api/v1/api-docs', (ctx) => {
    ctx.body = document;
  });
  router.get('/api/v1/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = apiDocsPage();
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
