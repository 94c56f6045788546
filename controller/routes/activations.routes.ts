import Router from '@koa/router';
import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { toActivationView, type ActivationRecord } from '../../common/entities/activation';
import { isActivationId } from '../../common/ids';
import type { ActivationStore } from '../../common/spi/activation-store';
import type { RequestState } from '../http/request-context';
import { listParams } from '../http/list-params';
import { queryBool, queryString } from '../http/query';
import { resolveNamespace } from '../http/resolve-namespace';

// Activation queries (CTL/Activations.scala): list newest first with name/since/upto, or one
// record, its logs, its result.

const NAME_FILTER = /^[^/]+(?:\/[^/]+)?$/;

export function activationRoutes(store: ActivationStore): Router<RequestState> {
  const router = new Router<RequestState>();

  router.get('/namespaces/:namespace/activations', async (ctx) => {
    const namespace = resolveNamespace(ctx.params.namespace ?? '', ctx.state.identity!, 'activations');
    const list = listParams(ctx.query, 'activations');
    const docs = queryBool(ctx.query, 'docs', false);
    const name = queryString(ctx.query, 'name');
    if (name !== undefined && !NAME_FILTER.test(name)) throw new PlatformError('query-parameter-invalid', `Parameter may be a 'simple' name or 'package-name/simple' name: ${name}`);
    const since = epochParam(ctx.query.since);
    const upto = epochParam(ctx.query.upto);
    const filter = { ...(name ? { name } : {}), ...(since !== undefined ? { since } : {}), ...(upto !== undefined ? { upto } : {}) };
    if (list.count) {
      if (docs) throw new PlatformError('query-parameters-exclusive', "The parameter 'docs' is not permitted with 'count'.");
      ctx.body = { activations: await store.count(namespace, filter) };
      return;
    }
    const records = await store.list(namespace, { ...filter, skip: list.skip, limit: list.limit });
    ctx.body = records.map((r) => (docs ? toActivationView(r) : activationSummary(r)));
  });

  const load = async (ctx: Router.RouterContext<RequestState>): Promise<ActivationRecord> => {
    const namespace = resolveNamespace(ctx.params.namespace ?? '', ctx.state.identity!, 'activations');
    const id = ctx.params.id ?? '';
    if (id.length !== 32) throw new PlatformError('activation-id-invalid', Messages.activationIdLength(id.length));
    if (!isActivationId(id)) throw new PlatformError('activation-id-invalid', Messages.activationIdInvalid);
    const record = await store.get(namespace, id);
    if (!record) throw new PlatformError('activation-not-found', Messages.resourceDoesNotExist);
    return record;
  };

  router.get('/namespaces/:namespace/activations/:id', async (ctx) => {
    ctx.body = toActivationView(await load(ctx));
  });
  router.get('/namespaces/:namespace/activations/:id/logs', async (ctx) => {
    ctx.body = { logs: (await load(ctx)).logs };
  });
  router.get('/namespaces/:namespace/activations/:id/result', async (ctx) => {
    ctx.body = toActivationView(await load(ctx)).response;
  });

  return router;
}

function epochParam(raw: string | string[] | undefined): number | undefined {
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,16}$/.test(value)) throw new PlatformError('query-parameter-invalid', `Parameter is not a valid value for epoch seconds: ${value}`);
  return Number(value);
}

function activationSummary(record: ActivationRecord): Record<string, unknown> {
  const view = toActivationView(record);
  return {
    namespace: view.namespace,
    name: view.name,
    version: view.version,
    publish: view.publish,
    annotations: view.annotations,
    activationId: view.activationId,
    start: view.start,
    ...(view.end !== undefined ? { end: view.end, duration: view.duration, statusCode: record.response.statusCode } : {}),
    ...(view.cause ? { cause: view.cause } : {}),
  };
}
