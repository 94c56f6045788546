import Router from '@koa/router';
import { validateEntityName } from '../../common/entities/entity-name';
import type { RequestState } from '../http/request-context';
import { listParams } from '../http/list-params';
import { pathNamespace } from '../http/path-namespace';
import { queryBool } from '../http/query';
import { readJsonObject } from '../http/read-json-body';
import type { Dispatcher } from '../invocation/dispatcher';
import type { MapRunner } from '../maps/map-runner';
import type { ActionService } from '../actions/action-service';
import type { NamespaceLimitsService } from '../identity/namespace-limits-service';
import type { Throttler } from '../throttles/throttler';
import type { PackageService } from '../packages/package-service';
import type { PackageResolver } from '../packages/package-resolver';
import { actionSummary, actionView } from './action-views';
import { ACTION_BODY_LIMIT_BYTES } from './actions.routes';
import { invokeAction } from './invoke-action';

// Actions inside packages (CTL/Actions.scala innerRoutes): `…/actions/{pkg}/{name}` for the four
// verbs, and `…/actions/{pkg}/` (trailing slash) to list a package's actions. Reads and invokes
// need READ on the package (public packages: anyone; bindings: their owner, with the bound
// package readable) and see package parameters merged under the action's; writes need the
// owner and a real package. An invoke through someone else's public package runs as the caller.

export interface PackageActionRoutesDeps {
  readonly actions: ActionService;
  readonly packages: PackageService;
  readonly packageResolver: PackageResolver;
  readonly dispatcher: Dispatcher;
  readonly throttles?: Throttler;
  readonly limits?: NamespaceLimitsService;
  readonly maps?: MapRunner;
}

export function packageActionRoutes(deps: PackageActionRoutesDeps): Router<RequestState> {
  const router = new Router<RequestState>();
  const target = (ctx: Router.RouterContext<RequestState>) => {
    const identity = ctx.state.identity!;
    const pkg = validateEntityName(ctx.params.pkg ?? '');
    const name = validateEntityName(ctx.params.name ?? '');
    return { identity, namespace: pathNamespace(ctx.params.namespace ?? '', identity), pkg, name };
  };

  // The router ignores trailing slashes when matching, so this also matches `…/actions/{name}`;
  // only the slash makes it a package listing (as `wsk action list pkg` asks).
  router.get('/namespaces/:namespace/actions/:pkg/', async (ctx, next) => {
    if (!ctx.path.endsWith('/')) return next();
    const identity = ctx.state.identity!;
    const namespace = pathNamespace(ctx.params.namespace ?? '', identity);
    const pkg = validateEntityName(ctx.params.pkg ?? '');
    const list = listParams(ctx.query, 'actions');
    const { provider } = await deps.packageResolver.readable(identity, namespace, pkg);
    const contents = await deps.packages.actionsIn(provider.namespace, provider.name);
    ctx.body = list.count ? { actions: contents.length } : contents.slice(list.skip, list.skip + list.limit).map(actionSummary);
  });

  router.get('/namespaces/:namespace/actions/:pkg/:name', async (ctx) => {
    const { identity, namespace, pkg, name } = target(ctx);
    const resolved = await deps.packageResolver.action(identity, namespace, pkg, name);
    ctx.body = actionView(resolved.action.doc, queryBool(ctx.query, 'code', true));
  });

  router.put('/namespaces/:namespace/actions/:pkg/:name', async (ctx) => {
    const { identity, namespace, pkg, name } = target(ctx);
    const overwrite = queryBool(ctx.query, 'overwrite', false);
    await deps.packageResolver.assertWritable(identity, namespace, pkg, name);
    const body = await readJsonObject(ctx, ACTION_BODY_LIMIT_BYTES, 'exec');
    await deps.limits?.assertKindAllowed(namespace, body);
    ctx.body = actionView(await deps.actions.put(namespace, name, body, overwrite, pkg));
  });

  router.delete('/namespaces/:namespace/actions/:pkg/:name', async (ctx) => {
    const { identity, namespace, pkg, name } = target(ctx);
    await deps.packageResolver.assertWritable(identity, namespace, pkg, name);
    ctx.body = actionView(await deps.actions.delete(namespace, name, pkg));
  });

  router.post('/namespaces/:namespace/actions/:pkg/:name', async (ctx) => {
    const { identity, namespace, pkg, name } = target(ctx);
    await invokeAction(ctx, deps, identity, () => deps.packageResolver.action(identity, namespace, pkg, name));
  });

  return router;
}
