import type { Context, Middleware } from 'koa';
import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { parseCreateApi } from '../apis/api-input';
import { normalizeBasePath, normalizeRelPath } from '../apis/api-path';
import type { ApiService } from '../apis/api-service';
import { apiListing } from '../apis/api-swagger';
import { listParams } from '../http/list-params';
import { queryString } from '../http/query';
import { readJsonObject } from '../http/read-json-body';
import type { RequestState } from '../http/request-context';
import type { IdentityService } from '../identity/identity-service';

// The routes API (ADR 0025): the three web actions of OpenWhisk's `/whisk.system/apimgmt`
// package that `wsk api` and the `openwhisk` client's `routes` call, answered by the controller
// itself rather than by actions. They sit in front of the web action routes, always need the
// caller's Basic key, and act on the caller's namespace only; `accesstoken` and `spaceguid` are
// IBM Cloud's and are ignored.

export const APIMGMT_PREFIX = '/api/v1/web/whisk.system/apimgmt/';
export const APIMGMT_OPERATIONS = [
  { name: 'createApi', method: 'POST' },
  { name: 'getApi', method: 'GET' },
  { name: 'deleteApi', method: 'DELETE' },
] as const;

const CREATE_BODY_LIMIT_BYTES = 64 * 1024;

export interface ApiManagementRoutesDeps {
  readonly identities: IdentityService;
  readonly apis: ApiService;
}

export function apiManagementRoutes(deps: ApiManagementRoutesDeps): Middleware<RequestState> {
  return async (ctx, next) => {
    if (!ctx.path.startsWith(APIMGMT_PREFIX)) return next();
    // `wsk` asks for `createApi.http`; the npm client for `createApi`.
    const name = ctx.path.slice(APIMGMT_PREFIX.length).replace(/\.(http|json)$/, '');
    const operation = APIMGMT_OPERATIONS.find((op) => op.name === name);
    if (!operation) return next();
    if (ctx.method !== operation.method) throw new PlatformError('method-not-allowed', Messages.methodNotAllowed(operation.method));
    const identity = await deps.identities.authenticate(ctx.get('Authorization') || undefined);
    ctx.state.identity = identity;
    const apihost = ctx.origin;
    if (operation.name === 'createApi') {
      const body = await readJsonObject(ctx as unknown as Context, CREATE_BODY_LIMIT_BYTES);
      const request = parseCreateApi(body, queryString(ctx.query, 'responsetype'), identity.namespace);
      const api = await deps.apis.create(identity, request);
      ctx.body = apiListing(apihost, api).value;
      return;
    }
    if (operation.name === 'getApi') {
      const { skip, limit } = listParams(ctx.query, 'apis');
      const apis = await deps.apis.list(identity.namespace, filterOf(ctx));
      ctx.body = { apis: apis.slice(skip, skip + limit).map((api) => apiListing(apihost, api)) };
      return;
    }
    const filter = filterOf(ctx);
    if (filter.basePath === undefined) throw new PlatformError('api-route-invalid', Messages.fieldRequired('basepath'));
    await deps.apis.delete(identity.namespace, { ...filter, basePath: filter.basePath });
    ctx.body = {};
  };
}

/** `basepath` may be a base path or an API's name; a relative path is compared in its stored form. */
function filterOf(ctx: { query: Record<string, string | string[] | undefined> }): { basePath?: string; relPath?: string; verb?: string } {
  const basepath = queryString(ctx.query, 'basepath');
  const relpath = queryString(ctx.query, 'relpath');
  const operation = queryString(ctx.query, 'operation');
  const basePath = basepath === undefined ? undefined : basepath.startsWith('/') ? (normalizeBasePath(basepath) ?? basepath) : basepath;
  const relPath = relpath === undefined ? undefined : (normalizeRelPath(relpath) ?? relpath);
  return { ...(basePath !== undefined ? { basePath } : {}), ...(relPath !== undefined ? { relPath } : {}), ...(operation !== undefined ? { verb: operation.toLowerCase() } : {}) };
}
