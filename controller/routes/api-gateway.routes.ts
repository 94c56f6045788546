import type { Context, Middleware } from 'koa';
import { Messages } from '../../common/errors/messages';
import { PlatformError, isPlatformError } from '../../common/errors/platform-error';
import { isValidName } from '../../common/entities/entity-name';
import { matchRoute } from '../apis/api-path';
import type { ApiRateLimit } from '../apis/api-rate-limit';
import type { ApiService } from '../apis/api-service';
import type { RequestState } from '../http/request-context';
import { setWebCors } from '../web/web-cors';
import { findWebAction, serveWebAction, type WebActionRoutesDeps } from './web-actions.routes';

// The API gateway (ADR 0025): `/api/{namespace}{basepath}{relpath}` runs the route's web action
// through the web action routes' own serveWebAction, so a route answers exactly as its action's
// web URL with the route's response type would, with the path parameters added as parameters and
// `__ow_path` the path after the base path. Mounted last: `/api/v1/...` is the platform's own API
// and never reaches it, so a namespace named `v1` has no gateway URL.

export const GATEWAY_PREFIX = '/api/';

export interface ApiGatewayRoutesDeps extends WebActionRoutesDeps {
  readonly apis: ApiService;
  readonly apiRateLimit: ApiRateLimit;
}

export function apiGatewayRoutes(deps: ApiGatewayRoutesDeps): Middleware<RequestState> {
  return async (ctx, next) => {
    if (!ctx.path.startsWith(GATEWAY_PREFIX) || ctx.path.startsWith('/api/v1/') || ctx.path === '/api/v1') return next();
    await answerRoute(ctx as unknown as Context, deps);
  };
}

async function answerRoute(ctx: Context, deps: ApiGatewayRoutesDeps): Promise<void> {
  setWebCors(ctx);
  const rest = ctx.path.slice(GATEWAY_PREFIX.length);
  const slash = rest.indexOf('/');
  const namespace = safeDecode(slash < 0 ? rest : rest.slice(0, slash));
  if (namespace === undefined || !isValidName(namespace)) throw notFound();
  const path = slash < 0 ? '/' : rest.slice(slash);
  const apis = await deps.apis.all(namespace);
  // A preflight asks for the route of the method it names.
  const preflight = ctx.method === 'OPTIONS' ? ctx.get('Access-Control-Request-Method').toLowerCase() : '';
  const match = matchRoute(apis, ctx.method.toLowerCase(), path) ?? (preflight ? matchRoute(apis, preflight, path) : undefined);
  if (!match) throw notFound();
  if (!deps.apiRateLimit.take(namespace, match.api.basePath)) throw new PlatformError('api-rate-limited', Messages.apiRateLimited);
  const { action, responseType } = match.route;
  // The action must still be an exported web action of the API's namespace; if not, the route is as gone.
  const target = await findWebAction(deps, { namespace: action.namespace, ...(action.pkg ? { pkg: action.pkg } : {}), name: action.name, extension: responseType, extraPath: '' }).catch((err: unknown) => {
    if (isPlatformError(err) && err.status === 404) throw notFound();
    throw err;
  });
  if (target.owner.namespace !== match.api.namespace) throw notFound();
  await serveWebAction(ctx, deps, target, { extension: responseType, owPath: match.relPath, projection: [], pathParameters: match.parameters });
}

function safeDecode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

function notFound(): PlatformError {
  return new PlatformError('api-route-not-found', Messages.resourceDoesNotExist);
}
