import type { ApiDoc, ApiRoute } from '../../common/entities/api-route';
import { pathParameterNames } from './api-path';

// An API as getApi answers it, in the shape OpenWhisk's apimgmt actions give the CLI and the
// `openwhisk` client: `{apis: [{id, key, value: {namespace, gwApiUrl, gwApiActivated, tenantId,
// apidoc}}]}`, where `apidoc` is an OpenAPI 2 document and each operation's `x-openwhisk` names
// the web action behind it.

export interface ApiListing {
  readonly id: string;
  readonly key: string;
  readonly value: {
    readonly namespace: string;
    readonly gwApiUrl: string;
    readonly gwApiActivated: boolean;
    readonly tenantId: string;
    readonly apidoc: Record<string, unknown>;
  };
}

/** `apihost` is the origin the controller was reached at (`http://host:port`). */
export function gatewayUrl(apihost: string, namespace: string, basePath: string): string {
  return `${apihost}/api/${encodeURIComponent(namespace)}${basePath === '/' ? '' : basePath}`;
}

export function webActionUrl(apihost: string, route: ApiRoute): string {
  const { namespace, pkg, name } = route.action;
  return `${apihost}/api/v1/web/${[namespace, pkg ?? 'default', `${name}.${route.responseType}`].map(encodeURIComponent).join('/')}`;
}

export function apiListing(apihost: string, api: ApiDoc): ApiListing {
  const gwApiUrl = gatewayUrl(apihost, api.namespace, api.basePath);
  return {
    id: `API:${api.namespace}:${api.basePath}`,
    key: `API:${api.namespace}:${api.basePath}`,
    value: { namespace: api.namespace, gwApiUrl, gwApiActivated: true, tenantId: api.namespace, apidoc: swaggerOf(apihost, api) },
  };
}

export function swaggerOf(apihost: string, api: ApiDoc): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of api.routes) {
    const { namespace, pkg, name } = route.action;
    const parameters = pathParameterNames(route.relPath).map((param) => ({ name: param, in: 'path', description: `Default description for '${param}'`, required: true, type: 'string' }));
    (paths[route.relPath] ??= {})[route.verb] = {
      operationId: `${route.verb}${route.relPath}`,
      ...(parameters.length ? { parameters } : {}),
      responses: { default: { description: 'Default response' } },
      'x-openwhisk': { namespace, package: pkg ?? '', action: name, url: webActionUrl(apihost, route) },
    };
  }
  const host = new URL(apihost).host;
  return {
    swagger: '2.0',
    info: { title: api.apiName, version: '1.0.0' },
    host,
    schemes: [new URL(apihost).protocol.replace(':', '')],
    basePath: api.basePath,
    paths,
    'x-gateway-configuration': { 'gateway-url': gatewayUrl(apihost, api.namespace, api.basePath) },
  };
}
