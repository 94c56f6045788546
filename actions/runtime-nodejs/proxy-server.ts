import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PROXY_TOKEN_HEADER } from '../../common/protocol/runtime-protocol';
import type { ActionRuntime } from './action-runtime';
import { isBodyError, readJsonBody, sendJson } from './http-json';
import { RuntimeMessages, type Reply } from './runtime-messages';
import { tokenMatcher } from './proxy-token';
import { EncodedJson } from './run-action';

// Routes POST /init and POST /run to the runtime; everything else, and any body that is not
// JSON, is 500 {"error":"Bad request."} as OpenWhisk's nodejs proxy answers. With a proxy token,
// a request without it is 403 before its body is read, and its connection is closed.

export interface ProxyServerOptions {
  /** /init carries the action's code (up to 48 MB, base64 inside JSON). */
  readonly maxBodyBytes: number;
  /** When set, only requests carrying it in PROXY_TOKEN_HEADER are served (proxy-token.ts). */
  readonly proxyToken?: string;
}

export function createProxyServer(runtime: ActionRuntime, options: ProxyServerOptions): Server {
  const matches = options.proxyToken !== undefined ? tokenMatcher(options.proxyToken) : undefined;
  const server = createServer((req, res) => {
    if (matches && !matches(req.headers[PROXY_TOKEN_HEADER])) {
      refuse(res);
      return;
    }
    void route(runtime, options, req, res).catch((error: unknown) => {
      console.error('proxy: request failed', error);
      if (!res.headersSent) sendJson(res, 500, { error: RuntimeMessages.badRequest });
    });
  });
  // The invoker keeps connections open across activations; never close them under it, and
  // never time out a long action's request.
  server.keepAliveTimeout = 0;
  server.requestTimeout = 0;
  return server;
}

async function route(runtime: ActionRuntime, options: ProxyServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  const target = req.method === 'POST' && (path === '/init' || path === '/run') ? path : undefined;
  if (!target) {
    req.resume();
    sendJson(res, 500, { error: RuntimeMessages.badRequest });
    return;
  }
  let body: unknown;
  try {
    body = await readJsonBody(req, options.maxBodyBytes);
  } catch (error) {
    if (!isBodyError(error)) throw error;
    sendJson(res, 500, { error: RuntimeMessages.badRequest });
    return;
  }
  const reply = target === '/init' ? await runtime.init(body) : await runtime.run(body);
  send(res, reply);
}

/**
 * 403 without reading the body: whoever sent it may not make this runtime read megabytes. The
 * connection closes after the answer (Connection: close), so what is left of the body is dropped.
 */
function refuse(res: ServerResponse): void {
  const payload = Buffer.from(JSON.stringify({ error: RuntimeMessages.wrongProxyToken }), 'utf8');
  res.writeHead(403, { 'content-type': 'application/json', 'content-length': payload.length, connection: 'close' });
  res.end(payload);
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.body instanceof EncodedJson) {
    const payload = Buffer.from(reply.body.text, 'utf8');
    res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': payload.length });
    res.end(payload);
    return;
  }
  sendJson(res, reply.status, reply.body);
}
