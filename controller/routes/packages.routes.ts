import Router from '@koa/router';
import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { validateEntityName } from '../../common/entities/entity-name';
import type { RequestState } from '../http/request-context';
import { listParams } from '../http/list-params';
import { pathNamespace } from '../http/path-namespace';
import { queryBool } from '../http/query';
import { readJsonObject } from '../http/read-json-body';
import type { PackageResolver } from '../packages/package-resolver';
import type { PackageService } from '../packages/package-service';
import { packageSummary, packageView, packageWithActions } from './package-views';

// Packages and bindings (CTL/Packages.scala): PUT/GET/DELETE; POST is not a package operation.
// Anyone may list another namespace's packages and sees its published ones only.

/** Parameters and annotations are 1 MB each (413 by field); the whole body a little more than both. */
export const PACKAGE_BODY_LIMIT_BYTES = 2 * 1024 * 1024 + 64 * 1024;

export interface PackageRoutesDeps {
  readonly packages: PackageService;
  readonly packageResolver: PackageResolver;
}

export function packageRoutes(deps: PackageRoutesDeps): Router<RequestState> {
  const router = new Router<RequestState>();
  const target = (ctx: Router.RouterContext<RequestState>) => {
    const identity = ctx.state.identity!;
    const name = validateEntityName(ctx.params.name ?? '');
    return { identity, namespace: pathNamespace(ctx.params.namespace ?? '', identity), name };
  };

  router.get('/namespaces/:namespace/packages', async (ctx) => {
    const identity = ctx.state.identity!;
    const namespace = pathNamespace(ctx.params.namespace ?? '', identity);
    const list = listParams(ctx.query, 'packages');
    if (list.count) {
      ctx.body = { packages: await deps.packages.count(identity, namespace) };
      return;
    }
    ctx.body = (await deps.packages.list(identity, namespace, list)).map(packageSummary);
  });

  router.get('/namespaces/:namespace/packages/:name', async (ctx) => {
    const { identity, namespace, name } = target(ctx);
    const resolved = await deps.packageResolver.readable(identity, namespace, name);
    const contents = await deps.packages.actionsIn(resolved.provider.namespace, resolved.provider.name);
    ctx.body = packageWithActions(resolved.stored.doc, resolved.parameters, contents);
  });

  router.put('/namespaces/:namespace/packages/:name', async (ctx) => {
    const { identity, namespace, name } = target(ctx);
    const overwrite = queryBool(ctx.query, 'overwrite', false);
    const body = await readJsonObject(ctx, PACKAGE_BODY_LIMIT_BYTES);
    ctx.body = packageView(await deps.packages.put(identity, namespace, name, body, overwrite));
  });

  router.delete('/namespaces/:namespace/packages/:name', async (ctx) => {
    const { identity, namespace, name } = target(ctx);
    const force = queryBool(ctx.query, 'force', false);
    ctx.body = packageView(await deps.packages.delete(identity, namespace, name, force));
  });

  router.post('/namespaces/:namespace/packages/:name', () => {
    throw new PlatformError('method-not-allowed', Messages.methodNotAllowed('GET, PUT, DELETE'));
  });

  return router;
}
