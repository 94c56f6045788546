import Router from '@koa/router';
import { validateEntityName } from '../../common/entities/entity-name';
import type { Identity } from '../../common/entities/identity';
import type { RequestState } from '../http/request-context';
import { readJsonObject } from '../http/read-json-body';
import { listParams } from '../http/list-params';
import { queryBool } from '../http/query';
import { resolveNamespace } from '../http/resolve-namespace';
import type { ActionService } from '../actions/action-service';
import type { NamespaceLimitsService } from '../identity/namespace-limits-service';
import type { Throttler } from '../throttles/throttler';
import type { Dispatcher } from '../invocation/dispatcher';
import type { MapRunner } from '../maps/map-runner';
import { actionSummary, actionView } from './action-views';
import { invokeAction } from './invoke-action';

export const ACTION_BODY_LIMIT_BYTES = 48 * 1024 * 1024 + 2 * 1024 * 1024;

export interface ActionRoutesDeps {
  readonly actions: ActionService;
  readonly dispatcher: Dispatcher;
  readonly throttles?: Throttler;
  readonly limits?: NamespaceLimitsService;
  readonly maps?: MapRunner;
}

export function actionRoutes(deps: ActionRoutesDeps): Router<RequestState> {
  const router = new Router<RequestState>();
  const target = (identity: Identity, params: Record<string, string>) => {
    const name = validateEntityName(params.name ?? '');
    const namespace = resolveNamespace(params.namespace ?? '', identity, name);
    return { namespace, name };
  };

  router.get('/namespaces/:namespace/actions', async (ctx) => {
    const namespace = resolveNamespace(ctx.params.namespace ?? '', ctx.state.identity!, 'actions');
    const list = listParams(ctx.query, 'actions');
    if (list.count) {
      ctx.body = { actions: await deps.actions.count(namespace) };
      return;
    }
    ctx.body = (await deps.actions.list(namespace, list)).map(actionSummary);
  });

  router.get('/namespaces/:namespace/actions/:name', async (ctx) => {
    const { namespace, name } = target(ctx.state.identity!, ctx.params);
    const stored = await deps.actions.get(namespace, name);
    ctx.body = actionView(stored.doc, queryBool(ctx.query, 'code', true));
  });

  router.put('/namespaces/:namespace/actions/:name', async (ctx) => {
    const { namespace, name } = target(ctx.state.identity!, ctx.params);
    const overwrite = queryBool(ctx.query, 'overwrite', false);
    const body = await readJsonObject(ctx, ACTION_BODY_LIMIT_BYTES, 'exec');
    await deps.limits?.assertKindAllowed(namespace, body);
    ctx.body = actionView(await deps.actions.put(namespace, name, body, overwrite));
  });

  router.delete('/namespaces/:namespace/actions/:name', async (ctx) => {
    const { namespace, name } = target(ctx.state.identity!, ctx.params);
    ctx.body = actionView(await deps.actions.delete(namespace, name));
  });

  router.post('/namespaces/:namespace/actions/:name', async (ctx) => {
    const identity = ctx.state.identity!;
    const { namespace, name } = target(identity, ctx.params);
    await invokeAction(ctx, deps, identity, async () => ({ action: await deps.actions.get(namespace, name), actionNamespace: namespace, actionName: name }));
  });

  return router;
}
