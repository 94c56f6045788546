import { APIMGMT_OPERATIONS, APIMGMT_PREFIX } from './api-management.routes';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from '../http/list-params';
import { WEB_METHODS } from '../web/web-cors';
import { WEB_EXTENSIONS, WEB_PREFIX } from '../web/web-path';

// The OpenAPI 2.0 (Swagger) document that GET /api/v1 advertises under swagger_paths, as
// OpenWhisk serves its apiv1swagger.json. Written as a table of operations rather than kept as a
// generated file: `api-document.test.ts` checks it against the routers, so a route added without
// a line here (or a line left for a route removed) fails the unit tests.

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head' | 'options';

interface QueryParam {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'boolean';
  readonly description: string;
}

export interface ApiOperation {
  readonly method: HttpMethod;
  /** Relative to basePath /api/v1, with {name} path parameters. */
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  readonly query?: readonly QueryParam[];
  /** A JSON body is read (PUT and invoke/fire POSTs). */
  readonly body?: string;
  /** No basic auth needed. */
  readonly open?: boolean;
}

const limit: QueryParam = { name: 'limit', type: 'integer', description: `at most this many (default ${DEFAULT_LIST_LIMIT}, 0 means ${MAX_LIST_LIMIT}, the maximum)` };
const skip: QueryParam = { name: 'skip', type: 'integer', description: 'skip this many first' };
const count: QueryParam = { name: 'count', type: 'boolean', description: 'answer {<collection>: N} instead of the list' };
const overwrite: QueryParam = { name: 'overwrite', type: 'boolean', description: 'replace an existing entity (409 otherwise)' };
const listQuery = [limit, skip, count];
const invokeQuery: readonly QueryParam[] = [
  { name: 'blocking', type: 'boolean', description: 'wait for the activation (up to the timeout) and answer it' },
  { name: 'result', type: 'boolean', description: 'with blocking, answer the result alone' },
  { name: 'timeout', type: 'integer', description: 'how long a blocking call waits, 1..60000 ms' },
  // Wisp's extension (ADR 0028); an OpenWhisk client never sends it.
  { name: 'map', type: 'boolean', description: 'run the action once per entry of the body {"items": [...] (1..1000), "params": {...shared}}; the map activation\'s result is {results, activationIds, failed}' },
  { name: 'concurrency', type: 'integer', description: 'with map, how many items run at once, 1..64 (default 8, never above the namespace\'s concurrent invocations)' },
];
const codeQuery: QueryParam = { name: 'code', type: 'boolean', description: 'include exec.code (default true)' };

function crud(collection: string, tag: string, entity: string, extra: { put?: string; post?: { summary: string; query?: readonly QueryParam[]; body?: string }; deleteQuery?: readonly QueryParam[]; getQuery?: readonly QueryParam[] }): ApiOperation[] {
  const one = `/namespaces/{namespace}/${collection}/{name}`;
  const ops: ApiOperation[] = [
    { method: 'get', path: `/namespaces/{namespace}/${collection}`, tag, summary: `List the ${collection} of a namespace`, query: listQuery },
    { method: 'get', path: one, tag, summary: `Get a ${entity}`, ...(extra.getQuery ? { query: extra.getQuery } : {}) },
    { method: 'put', path: one, tag, summary: `Create or update a ${entity}`, query: [overwrite], body: extra.put ?? entity },
    { method: 'delete', path: one, tag, summary: `Delete a ${entity}`, ...(extra.deleteQuery ? { query: extra.deleteQuery } : {}) },
  ];
  if (extra.post) ops.push({ method: 'post', path: one, tag, summary: extra.post.summary, ...(extra.post.query ? { query: extra.post.query } : {}), ...(extra.post.body ? { body: extra.post.body } : {}) });
  return ops;
}

export const API_OPERATIONS: readonly ApiOperation[] = [
  { method: 'get', path: '/namespaces', tag: 'Namespaces', summary: 'List the namespaces of the caller' },
  { method: 'get', path: '/namespaces/{namespace}/limits', tag: 'Namespaces', summary: "Get a namespace's limits and throttles" },
  ...crud('actions', 'Actions', 'action', { getQuery: [codeQuery], post: { summary: 'Invoke an action', query: invokeQuery, body: 'parameters' } }),
  { method: 'get', path: '/namespaces/{namespace}/actions/{pkg}/', tag: 'Actions', summary: 'List the actions of a package', query: listQuery },
  { method: 'get', path: '/namespaces/{namespace}/actions/{pkg}/{name}', tag: 'Actions', summary: 'Get an action in a package', query: [codeQuery] },
  { method: 'put', path: '/namespaces/{namespace}/actions/{pkg}/{name}', tag: 'Actions', summary: 'Create or update an action in a package', query: [overwrite], body: 'action' },
  { method: 'delete', path: '/namespaces/{namespace}/actions/{pkg}/{name}', tag: 'Actions', summary: 'Delete an action in a package' },
  { method: 'post', path: '/namespaces/{namespace}/actions/{pkg}/{name}', tag: 'Actions', summary: 'Invoke an action in a package', query: invokeQuery, body: 'parameters' },
  ...crud('packages', 'Packages', 'package or binding', { deleteQuery: [{ name: 'force', type: 'boolean', description: 'delete a package that still holds actions' }] }),
  ...crud('triggers', 'Triggers', 'trigger', { post: { summary: 'Fire a trigger', body: 'parameters' } }),
  // Wisp's extension (ADR 0017): what the /whisk.system/alarms feed actions call for each lifecycle event.
  { method: 'post', path: '/namespaces/{namespace}/triggers/{name}/registration', tag: 'Feeds', summary: "Register a feed on a trigger (CREATE): {feed: 'alarm' | 'interval' | 'once', ...its parameters}", body: 'feed parameters' },
  { method: 'get', path: '/namespaces/{namespace}/triggers/{name}/registration', tag: 'Feeds', summary: "Read a trigger's feed registration and its status (READ)" },
  { method: 'put', path: '/namespaces/{namespace}/triggers/{name}/registration', tag: 'Feeds', summary: "Change a feed registration's parameters (UPDATE)", body: 'feed parameters' },
  { method: 'delete', path: '/namespaces/{namespace}/triggers/{name}/registration', tag: 'Feeds', summary: 'Delete a feed registration for good (DELETE)' },
  { method: 'post', path: '/namespaces/{namespace}/triggers/{name}/registration/active', tag: 'Feeds', summary: 'Resume a paused feed from now (UNPAUSE)' },
  { method: 'post', path: '/namespaces/{namespace}/triggers/{name}/registration/paused', tag: 'Feeds', summary: 'Pause a feed, keeping its registration (PAUSE)' },
  ...crud('rules', 'Rules', 'rule', { post: { summary: 'Enable or disable a rule ({"status": "active" | "inactive"})', body: 'status' } }),
  {
    method: 'get',
    path: '/namespaces/{namespace}/activations',
    tag: 'Activations',
    summary: 'List activations, newest first',
    query: [
      ...listQuery,
      { name: 'name', type: 'string', description: "only this action's ('name' or 'package/name')" },
      { name: 'since', type: 'integer', description: 'started at or after this epoch ms' },
      { name: 'upto', type: 'integer', description: 'started at or before this epoch ms' },
      { name: 'docs', type: 'boolean', description: 'whole records instead of summaries' },
      { name: 'status', type: 'string', description: "only this outcome: 'success', 'application_error', 'developer_error' or 'internal_error'" },
      { name: 'start', type: 'string', description: "only activations whose container started so: 'cold', 'prewarmed' or 'warm'" },
      { name: 'cause', type: 'string', description: "only activations caused by this sequence's or trigger's activation id" },
      { name: 'trigger', type: 'string', description: "only activations the rules of this trigger (its name) invoked" },
      { name: 'minDuration', type: 'integer', description: 'only activations that ran at least this many ms' },
      { name: 'cursor', type: 'string', description: 'go on after the page whose X-Next-Cursor (or nextCursor) this is' },
      { name: 'paged', type: 'boolean', description: 'answer {activations, nextCursor} instead of the array' },
    ],
  },
  { method: 'get', path: '/namespaces/{namespace}/activations/{id}', tag: 'Activations', summary: 'Get an activation record' },
  { method: 'get', path: '/namespaces/{namespace}/activations/{id}/logs', tag: 'Activations', summary: "Get an activation's logs" },
  { method: 'get', path: '/namespaces/{namespace}/activations/{id}/result', tag: 'Activations', summary: "Get an activation's response" },
];

/** The routes outside /api/v1/namespaces that answer without auth; the document lists them too. */
export const OPEN_OPERATIONS: readonly ApiOperation[] = [
  { method: 'get', path: '/', tag: 'System', summary: 'API information as wsk reads it', open: true },
  { method: 'get', path: '/api-docs', tag: 'System', summary: 'This document', open: true },
  { method: 'get', path: '/docs', tag: 'System', summary: 'This document as a page to read', open: true },
];

/** Web actions (ADR 0019): one path, every method a web action may answer, no basic auth needed. */
export const WEB_OPERATIONS: readonly ApiOperation[] = WEB_METHODS.map((method) => ({
  method: method.toLowerCase() as HttpMethod,
  path: `/${WEB_PREFIX.slice('/api/v1/'.length)}{namespace}/{package}/{action}`,
  tag: 'Web actions',
  summary: `Call a web action (web-export: true); {action} may end in .${WEB_EXTENSIONS.join(', .')} and a projection path; {package} is 'default' for none`,
  open: true,
}));

/** The routes API (ADR 0025): the apimgmt web actions `wsk api` and the npm client's `routes` call, answered for the caller's namespace. Routes are then served at `/api/{namespace}{basepath}{relpath}`, outside this document's base path. */
export const APIMGMT_OPERATIONS_DOC: readonly ApiOperation[] = APIMGMT_OPERATIONS.map(({ name, method }) => ({
  method: method.toLowerCase() as HttpMethod,
  path: `/${APIMGMT_PREFIX.slice('/api/v1/'.length)}${name}`,
  tag: 'API gateway',
  summary: {
    createApi: 'Create an API route (body {apidoc: {gatewayBasePath, gatewayPath, gatewayMethod, apiName?, action: {name, namespace}}}, query responsetype); served at /api/{namespace}{basepath}{relpath}',
    getApi: "List the caller's APIs as OpenAPI 2 documents (query basepath or API name, relpath, operation, limit, skip)",
    deleteApi: 'Delete an API, or its routes at relpath (and operation) (query basepath or API name)',
  }[name],
}));

const ENTITY_SCHEMA = { type: 'object', description: 'OpenWhisk entity JSON (see openwhisk docs/rest_api.md)' };

export function apiDocument(build: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of [...OPEN_OPERATIONS, ...API_OPERATIONS, ...WEB_OPERATIONS, ...APIMGMT_OPERATIONS_DOC]) {
    const pathParams = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, type: 'string' }));
    const parameters = [
      ...pathParams,
      ...(op.query ?? []).map((q) => ({ name: q.name, in: 'query', required: false, type: q.type, description: q.description })),
      ...(op.body ? [{ name: op.body, in: 'body', required: op.method === 'put', schema: ENTITY_SCHEMA }] : []),
    ];
    (paths[op.path] ??= {})[op.method] = {
      tags: [op.tag],
      summary: op.summary,
      operationId: `${op.method}${op.path.replace(/[{}]/g, '').replace(/\/(\w)/g, (_m, c: string) => c.toUpperCase()).replace(/\W/g, '')}`,
      ...(parameters.length ? { parameters } : {}),
      ...(op.open ? { security: [] } : {}),
      responses: {
        200: { description: 'OK' },
        ...(op.open ? {} : { 401: { description: 'no or bad credentials', schema: { $ref: '#/definitions/ErrorMessage' } } }),
        default: { description: '{error, code}: code is the transaction id', schema: { $ref: '#/definitions/ErrorMessage' } },
      },
    };
  }
  return {
    swagger: '2.0',
    info: { title: 'Wisp REST API (OpenWhisk API v1)', version: '1.0.0', description: `Compatible with the OpenWhisk REST API v1. Build ${build}.` },
    basePath: '/api/v1',
    schemes: ['http', 'https'],
    consumes: ['application/json'],
    produces: ['application/json'],
    securityDefinitions: { basicAuth: { type: 'basic', description: 'uuid:key of a namespace' } },
    security: [{ basicAuth: [] }],
    paths,
    definitions: {
      ErrorMessage: { type: 'object', required: ['error', 'code'], properties: { error: { type: 'string' }, code: { type: 'string', description: 'the transaction id' } } },
    },
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The `ui` path: the same operations as a plain page, served locally (no CDN, no script). */
export function apiDocsPage(): string {
  const rows = [...OPEN_OPERATIONS, ...API_OPERATIONS, ...WEB_OPERATIONS, ...APIMGMT_OPERATIONS_DOC]
    .map((op) => {
      const query = (op.query ?? []).map((q) => `<code>${escapeHtml(q.name)}</code> ${escapeHtml(q.description)}`).join('<br>');
      return `<tr><td>${op.method.toUpperCase()}</td><td><code>/api/v1${escapeHtml(op.path === '/' ? '' : op.path)}</code></td><td>${escapeHtml(op.summary)}</td><td>${query}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Wisp REST API</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}</style></head>
<body><h1>Wisp REST API (OpenWhisk API v1)</h1>
<p>Basic auth with a namespace's <code>uuid:key</code>; errors are <code>{"error", "code"}</code>. The machine-readable document is at <a href="api-docs">api-docs</a>.</p>
<table><tr><th>method</th><th>path</th><th>what it does</th><th>query</th></tr>
${rows}
</table></body></html>
`;
}
