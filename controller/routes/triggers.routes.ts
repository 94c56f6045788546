import Router from '@koa/router';
import { FIRE_ID_HEADER } from '../../common/feeds/registration';
import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { validateEntityName } from '../../common/entities/entity-name';
import type { Identity } from '../../common/entities/identity';
import { listParams } from '../http/list-params';
import { queryBool } from '../http/query';
import { readJsonObject } from '../http/read-json-body';
import type { RequestState } from '../http/request-context';
import { resolveNamespace } from '../http/resolve-namespace';
import type { TriggerFireService } from '../triggers/trigger-fire-service';
import type { Throttler } from '../throttles/throttler';
import type { TriggerService } from '../triggers/trigger-service';
import { answerAccepted } from './invoke-response';
import { triggerSummary, triggerView } from './trigger-rule-views';

// Triggers (CTL/Triggers.scala): CRUD, and POST to fire.

export const TRIGGER_BODY_LIMIT_BYTES = 3 * 1024 * 1024;
export const FIRE_BODY_LIMIT_BYTES = 1024 * 1024;

export interface TriggerRoutesDeps {
  readonly triggers: TriggerService;
  readonly fires: TriggerFireService;
  readonly throttles: Pick<Throttler, 'checkFire'>;
}

export function triggerRoutes(deps: TriggerRoutesDeps): Router<RequestState> {
  const router = new Router<RequestState>();
  const target = (identity: Identity, params: Record<string, string>) => {
    const name = validateEntityName(params.name ?? '');
    return { namespace: resolveNamespace(params.namespace ?? '', identity, name), name };
  };

  router.get('/namespaces/:namespace/triggers', async (ctx) => {
    const namespace = resolveNamespace(ctx.params.namespace ?? '', ctx.state.identity!, 'triggers');
    const list = listParams(ctx.query, 'triggers');
    if (list.count) {
      ctx.body = { triggers: await deps.triggers.count(namespace) };
      return;
    }
    ctx.body = (await deps.triggers.list(namespace, list)).map(triggerSummary);
  });

  router.get('/namespaces/:namespace/triggers/:name', async (ctx) => {
    const { namespace, name } = target(ctx.state.identity!, ctx.params);
    ctx.body = triggerView((await deps.triggers.get(namespace, name)).doc);
  });

  router.put('/namespaces/:namespace/triggers/:name', async (ctx) => {
    const { namespace, name } = target(ctx.state.identity!, ctx.params);
    const overwrite = queryBool(ctx.query, 'overwrite', false);
    const body = await readJsonObject(ctx, TRIGGER_BODY_LIMIT_BYTES);
    ctx.body = triggerView(await deps.triggers.put(namespace, name, body, overwrite));
  });

  router.delete('/namespaces/:namespace/triggers/:name', async (ctx) => {
    const { namespace, name } = target(ctx.state.identity!, ctx.params);
    ctx.body = triggerView(await deps.triggers.delete(namespace, name));
  });

  router.post('/namespaces/:namespace/triggers/:name', async (ctx) => {
    const identity = ctx.state.identity!;
    const { namespace, name } = target(identity, ctx.params);
    const payload = await readJsonObject(ctx, FIRE_BODY_LIMIT_BYTES);
    await deps.throttles.checkFire(identity.namespace);
    const outcome = await deps.fires.fire(identity, namespace, name, payload, ctx.state.transid, fireIdHeader(ctx.get(FIRE_ID_HEADER)));
    if (outcome.kind === 'fired') answerAccepted(ctx, outcome.activationId);
    else ctx.status = 204;
  });

  return router;
}

/** A feed's idempotency id (Wisp's extension): short and plain, as it becomes part of a log line. */
function fireIdHeader(value: string): string | undefined {
  if (value === '') return undefined;
  if (!/^[\w.:-]{1,128}$/.test(value)) throw new PlatformError('field-invalid', Messages.fieldType(FIRE_ID_HEADER, value, "1 to 128 letters, digits, '_', '.', ':' or '-'"));
  return value;
}
