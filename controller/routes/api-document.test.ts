import type Router from '@koa/router';
import { apiRouters, type AppDeps } from '../app';
import type { RequestState } from '../http/request-context';
import { API_OPERATIONS, OPEN_OPERATIONS, WEB_OPERATIONS, apiDocsPage, apiDocument } from './api-document';
import { systemRoutes } from './system.routes';

// The document GET /api/v1/api-docs serves is kept in step with the routes: every route the app
// mounts is in it, and nothing else is.

// Routes that exist only to answer 405 with OpenWhisk's message are no operations to document.
const REFUSALS = new Set(['post /namespaces/{namespace}/packages/{name}']);

const noDeps = new Proxy({}, { get: () => undefined }) as unknown as AppDeps;

function routesOf(routers: Router<RequestState>[], keep: (path: string) => boolean = () => true): string[] {
  const found = new Set<string>();
  for (const router of routers) {
    for (const layer of router.stack) {
      const path = String(layer.path);
      if (!keep(path)) continue;
      for (const method of layer.methods) {
        if (method === 'HEAD') continue;
        found.add(`${method.toLowerCase()} ${path.replace(/:(\w+)/g, '{$1}')}`);
      }
    }
  }
  return [...found].sort();
}

describe('the API document', () => {
  it('lists every authenticated route the app mounts under /api/v1, and no other', () => {
    const documented = API_OPERATIONS.map((op) => `${op.method} ${op.path}`).sort();
    expect(documented).toEqual(routesOf(apiRouters(noDeps)).filter((route) => !REFUSALS.has(route)));
  });

  it('lists the open routes under /api/v1 that the system router serves', () => {
    const system = systemRoutes({ build: 'test', registry: noDeps.registry });
    const served = routesOf([system], (path) => path.startsWith('/api/v1')).map((r) => r.replace(' /api/v1', ' ').replace(/ $/, ' /').replace(' //', ' /'));
    expect(OPEN_OPERATIONS.map((op) => `${op.method} ${op.path}`).sort()).toEqual(served);
  });

  it('lists the web action path with every method the web routes answer', () => {
    const doc = apiDocument('test') as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/web/{namespace}/{package}/{action}'] ?? {}).sort()).toEqual(['delete', 'get', 'head', 'options', 'patch', 'post', 'put']);
    expect(WEB_OPERATIONS.every((op) => op.open)).toBe(true);
  });

  it('is a Swagger 2.0 document whose path parameters match its paths', () => {
    const doc = apiDocument('test') as { swagger: string; basePath: string; paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; operationId: string }>> };
    expect(doc).toMatchObject({ swagger: '2.0', basePath: '/api/v1' });
    const ids = new Set<string>();
    for (const [path, methods] of Object.entries(doc.paths)) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(methods)) {
        expect((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name)).toEqual(inPath);
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
      }
    }
  });

  it('renders the page with every path, escaped', () => {
    const page = apiDocsPage();
    for (const op of API_OPERATIONS) expect(page).toContain(`/api/v1${op.path}`);
    expect(page).not.toMatch(/<script/i);
  });
});
