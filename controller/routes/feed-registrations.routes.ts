import Router from '@koa/router';
import { validateEntityName } from '../../common/entities/entity-name';
import type { Identity } from '../../common/entities/identity';
import type { FeedRegistrations } from '../feeds/feed-registrations';
import { readAnswer } from '../feeds/feed-registrations';
import { readJsonObject } from '../http/read-json-body';
import type { RequestState } from '../http/request-context';
import { resolveNamespace } from '../http/resolve-namespace';

// Wisp's extension of the API (ADR 0017): a trigger's feed registration, which the
// /whisk.system/alarms feed actions manage for their lifecycle events. The caller's Basic
// authentication is the feed's authKey: only the trigger's own namespace may register a feed on
// it, as only it may fire it. CREATE is POST, READ GET, UPDATE PUT, DELETE DELETE; PAUSE and
// UNPAUSE are POST to `registration/paused` and `registration/active`.

export const REGISTRATION_BODY_LIMIT_BYTES = 64 * 1024;

export function feedRegistrationRoutes(deps: { readonly feedRegistrations: FeedRegistrations }): Router<RequestState> {
  const router = new Router<RequestState>();
  const registrations = deps.feedRegistrations;
  const target = (identity: Identity, params: Record<string, string>) => {
    const name = validateEntityName(params.name ?? '');
    return { namespace: resolveNamespace(params.namespace ?? '', identity, name), name };
  };
  const path = '/namespaces/:namespace/triggers/:name/registration';

  router.post(path, async (ctx) => {
    const identity = ctx.state.identity!;
    const { namespace, name } = target(identity, ctx.params);
    const { feed, ...params } = await readJsonObject(ctx, REGISTRATION_BODY_LIMIT_BYTES);
    const doc = await registrations.create(namespace, name, identity.authKey, feed, params);
    ctx.body = readAnswer(doc);
  });

  router.get(path, async (ctx) => {
    const { namespace, name } = target(ctx.state.identity!, ctx.params);
    ctx.body = await registrations.read(namespace, name);
  });

  router.put(path, async (ctx) => {
    const identity = ctx.state.identity!;
    const { namespace, name } = target(identity, ctx.params);
    const { feed: _feed, ...params } = await readJsonObject(ctx, REGISTRATION_BODY_LIMIT_BYTES);
    ctx.body = readAnswer(await registrations.update(namespace, name, identity.authKey, params));
  });

  for (const [state, active] of [['active', true], ['paused', false]] as const) {
    router.post(`${path}/${state}`, async (ctx) => {
      const { namespace, name } = target(ctx.state.identity!, ctx.params);
      ctx.body = readAnswer(await registrations.setActive(namespace, name, active));
    });
  }

  router.delete(path, async (ctx) => {
    const { namespace, name } = target(ctx.state.identity!, ctx.params);
    await registrations.delete(namespace, name);
    ctx.body = { status: 'success' };
  });

  return router;
}
