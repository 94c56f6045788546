import Router from '@koa/router';
import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { toActivationView, type ActivationRecord } from '../../common/entities/activation';
import { isActivationId } from '../../common/ids';
import type { ActivationStore } from '../../common/spi/activation-store';
import type { RequestState } from '../http/request-context';
import { encodeCursor } from '../http/activation-cursor';
import { activationListQuery } from '../http/activation-list-query';
import { listParams } from '../http/list-params';
import { queryBool } from '../http/query';
import { resolveNamespace } from '../http/resolve-namespace';

// Activation queries (CTL/Activations.scala): list newest first with name/since/upto, or one
// record, its logs, its result. Beyond OpenWhisk (ADR 0023): filters by status, start kind,
// cause, trigger (by name) and minimum duration, and cursor paging. The next page's cursor goes
// out as the X-Next-Cursor header, which OpenWhisk clients ignore, so their array answer is
// unchanged; `?paged=true` asks for `{activations, nextCursor}` instead.

export const NEXT_CURSOR_HEADER = 'X-Next-Cursor';

export function activationRoutes(store: ActivationStore): Router<RequestState> {
  const router = new Router<RequestState>();

  router.get('/namespaces/:namespace/activations', async (ctx) => {
    const namespace = resolveNamespace(ctx.params.namespace ?? '', ctx.state.identity!, 'activations');
    const list = listParams(ctx.query, 'activations');
    const docs = queryBool(ctx.query, 'docs', false);
    const { filter, after, paged } = activationListQuery(ctx.query, namespace);
    if (list.count) {
      if (docs) throw new PlatformError('query-parameters-exclusive', "The parameter 'docs' is not permitted with 'count'.");
      if (after || paged) throw new PlatformError('query-parameters-exclusive', `The parameter '${after ? 'cursor' : 'paged'}' is not permitted with 'count'.`);
      ctx.body = { activations: await store.count(namespace, filter) };
      return;
    }
    // summaries carry no logs, so only docs=true reads them
    const page = await store.page(namespace, { ...filter, skip: list.skip, limit: list.limit, ...(after ? { after } : {}), withLogs: docs });
    const activations = page.records.map((r) => (docs ? toActivationView(r) : activationSummary(r)));
    const nextCursor = page.next && encodeCursor(page.next);
    if (nextCursor) {
      ctx.set(NEXT_CURSOR_HEADER, nextCursor);
      ctx.set('Access-Control-Expose-Headers', NEXT_CURSOR_HEADER);
    }
    ctx.body = paged ? { activations, ...(nextCursor ? { nextCursor } : {}) } : activations;
  });

  const target = (ctx: Router.RouterContext<RequestState>): { namespace: string; id: string } => {
    const namespace = resolveNamespace(ctx.params.namespace ?? '', ctx.state.identity!, 'activations');
    const id = ctx.params.id ?? '';
    if (id.length !== 32) throw new PlatformError('activation-id-invalid', Messages.activationIdLength(id.length));
    if (!isActivationId(id)) throw new PlatformError('activation-id-invalid', Messages.activationIdInvalid);
    return { namespace, id };
  };
  const load = async (ctx: Router.RouterContext<RequestState>): Promise<ActivationRecord> => {
    const { namespace, id } = target(ctx);
    const record = await store.get(namespace, id);
    if (!record) throw new PlatformError('activation-not-found', Messages.resourceDoesNotExist);
    return record;
  };

  router.get('/namespaces/:namespace/activations/:id', async (ctx) => {
    ctx.body = toActivationView(await load(ctx));
  });
  router.get('/namespaces/:namespace/activations/:id/logs', async (ctx) => {
    // the logs alone: the rest of the record is not read
    const { namespace, id } = target(ctx);
    const logs = await store.logs(namespace, id);
    if (!logs) throw new PlatformError('activation-not-found', Messages.resourceDoesNotExist);
    ctx.body = { logs };
  });
  router.get('/namespaces/:namespace/activations/:id/result', async (ctx) => {
    ctx.body = toActivationView(await load(ctx)).response;
  });

  return router;
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
