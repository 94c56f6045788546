import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ActionRuntime } from './action-runtime';
import { isBodyError, readJsonBody, sendJson } from './http-json';
import { RuntimeMessages, type Reply } from './runtime-messages';
import { EncodedJson } from './run-action';

// Routes POST /init and POST /run to the runtime; everything else, and any body that is not
// JSON, is 500 {"error":"Bad request."} as OpenWhisk's nodejs proxy answers.

export interface ProxyServerOptions {
  /** /init carries the action's code (up to 48 MB, base64 inside JSON). */
  readonly maxBodyBytes: number;
}

export function createProxyServer(runtime: ActionRuntime, options: ProxyServerOptions): Server {
  const server = createServer((req, res) => {
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

function send(res: ServerResponse, reply: Reply): void {
  if (reply.body instanceof EncodedJson) {
    const payload = Buffer.from(reply.body.text, 'utf8');
    res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': payload.length });
    res.end(payload);
    return;
  }
  sendJson(res, reply.status, reply.body);
}
