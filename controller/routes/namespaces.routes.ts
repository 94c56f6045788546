import Router from '@koa/router';
import type { RequestState } from '../http/request-context';
import { resolveNamespace } from '../http/resolve-namespace';
import type { IdentityService } from '../identity/identity-service';
import type { NamespaceLimitsService } from '../identity/namespace-limits-service';

// The caller's namespaces (every namespace its subject owns) and a namespace's effective limits
// (its limits doc merged over the system's; readable by the namespace's own keys only).

export interface NamespaceRoutesDeps {
  readonly identities: IdentityService;
  readonly limits: NamespaceLimitsService;
}

export function namespaceRoutes(deps: NamespaceRoutesDeps): Router<RequestState> {
  const router = new Router<RequestState>();
  router.get('/namespaces', async (ctx) => {
    ctx.body = await deps.identities.namespacesOf(ctx.state.identity!);
  });
  router.get('/namespaces/:namespace/limits', async (ctx) => {
    const namespace = resolveNamespace(ctx.params.namespace ?? '', ctx.state.identity!, 'limits');
    ctx.body = await deps.limits.effective(namespace);
  });
  return router;
}
