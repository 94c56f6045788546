import Router from '@koa/router';
import { validateEntityName } from '../../common/entities/entity-name';
import type { Identity } from '../../common/entities/identity';
import { listParams } from '../http/list-params';
import { queryBool } from '../http/query';
import { readJsonObject } from '../http/read-json-body';
import type { RequestState } from '../http/request-context';
import { resolveNamespace } from '../http/resolve-namespace';
import type { RuleService } from '../rules/rule-service';
import { ruleView } from './trigger-rule-views';

// Rules (CTL/Rules.scala): CRUD, and POST {status} to enable or disable. The list answers the
// stored documents (no status), as OpenWhisk's does; `wsk rule list` GETs each for its status.

export const RULE_BODY_LIMIT_BYTES = 2 * 1024 * 1024;

export function ruleRoutes(deps: { readonly rules: RuleService }): Router<RequestState> {
  const router = new Router<RequestState>();
  const target = (identity: Identity, params: Record<string, string>) => {
    const name = validateEntityName(params.name ?? '');
    return { namespace: resolveNamespace(params.namespace ?? '', identity, name), name };
  };

  router.get('/namespaces/:namespace/rules', async (ctx) => {
    const namespace = resolveNamespace(ctx.params.namespace ?? '', ctx.state.identity!, 'rules');
    const list = listParams(ctx.query, 'rules');
    if (list.count) {
      ctx.body = { rules: await deps.rules.count(namespace) };
      return;
    }
    ctx.body = (await deps.rules.list(namespace, list)).map((doc) => ruleView(doc));
  });

  router.get('/namespaces/:namespace/rules/:name', async (ctx) => {
    const { namespace, name } = target(ctx.state.identity!, ctx.params);
    const rule = await deps.rules.get(namespace, name);
    ctx.body = ruleView(rule.doc, rule.status);
  });

  router.put('/namespaces/:namespace/rules/:name', async (ctx) => {
    const { namespace, name } = target(ctx.state.identity!, ctx.params);
    const overwrite = queryBool(ctx.query, 'overwrite', false);
    const body = await readJsonObject(ctx, RULE_BODY_LIMIT_BYTES);
    const rule = await deps.rules.put(namespace, name, body, overwrite);
    ctx.body = ruleView(rule.doc, rule.status);
  });

  router.post('/namespaces/:namespace/rules/:name', async (ctx) => {
    const { namespace, name } = target(ctx.state.identity!, ctx.params);
    const body = await readJsonObject(ctx, RULE_BODY_LIMIT_BYTES);
    const rule = await deps.rules.setState(namespace, name, body);
    ctx.body = ruleView(rule.doc, rule.status);
  });

  router.delete('/namespaces/:namespace/rules/:name', async (ctx) => {
    const { namespace, name } = target(ctx.state.identity!, ctx.params);
    const rule = await deps.rules.delete(namespace, name);
    ctx.body = ruleView(rule.doc, rule.status);
  });

  return router;
}
