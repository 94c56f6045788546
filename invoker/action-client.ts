import http from 'node:http';
import { PROXY_TOKEN_HEADER } from '../common/protocol/runtime-protocol';
import { MAX_RESULT_BYTES, type CallOutcome } from './call-outcome';

// HTTP client for one container's runtime proxy. One keep-alive agent per container, so a warm
// container's /run reuses its connection (the floor is ~0.3 ms per round trip). Every call ends
// in a CallOutcome — never a throw — and never buffers more than the cap of a response body.

export interface ActionClient {
  init(payload: unknown, timeoutMs: number): Promise<CallOutcome>;
  run(payload: unknown, timeoutMs: number): Promise<CallOutcome>;
  /** Drops pooled connections; the container may already be gone. */
  close(): void;
}

export interface ActionClientOptions {
  readonly maxBodyBytes?: number;
  /** The container's proxy token, sent with every /init and /run (a runtime without Wisp's proxy ignores it). */
  readonly proxyToken?: string;
}

export function createActionClient(baseUrl: string, options: ActionClientOptions = {}): ActionClient {
  const agent = new http.Agent({ keepAlive: true });
  const maxBodyBytes = options.maxBodyBytes ?? MAX_RESULT_BYTES;
  const headers: Readonly<Record<string, string>> = options.proxyToken !== undefined ? { [PROXY_TOKEN_HEADER]: options.proxyToken } : {};
  const post = (path: string, payload: unknown, timeoutMs: number, mayRetry: boolean) =>
    postJson({ url: new URL(path, baseUrl), agent, headers, body: Buffer.from(JSON.stringify(payload)), deadline: Date.now() + timeoutMs, maxBodyBytes, mayRetry });
  return {
    // A second /init is harmless: a proxy that got the first refuses it without running code.
    init: (payload, timeoutMs) => post('/init', payload, timeoutMs, true),
    // Never a second /run: a reset after the request was written may come from a proxy that is
    // already running the action, and nothing on the socket tells the two apart.
    run: (payload, timeoutMs) => post('/run', payload, timeoutMs, false),
    close: () => agent.destroy(),
  };
}

interface PostRequest {
  readonly url: URL;
  readonly agent: http.Agent;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly deadline: number;
  readonly maxBodyBytes: number;
  readonly mayRetry: boolean;
}

function postJson(request: PostRequest): Promise<CallOutcome> {
  return new Promise<CallOutcome>((resolve) => {
    let settled = false;
    const settle = (outcome: CallOutcome | Promise<CallOutcome>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = http.request(request.url, {
      method: 'POST',
      agent: request.agent,
      headers: { ...request.headers, 'content-type': 'application/json', 'content-length': String(request.body.length) },
    });
    const timer = setTimeout(() => {
      settle({ kind: 'timeout' });
      req.destroy();
    }, Math.max(0, request.deadline - Date.now()));

    req.on('error', (error: NodeJS.ErrnoException) => {
      // A keep-alive socket the server closed while idle fails before the request reached the
      // proxy; Node documents one retry on a fresh socket as the remedy (req.reusedSocket). Only
      // for /init: the runtimes Wisp builds never close an idle connection.
      if (request.mayRetry && req.reusedSocket && error.code === 'ECONNRESET' && !responded) {
        settle(postJson({ ...request, mayRetry: false }));
        return;
      }
      settle({ kind: 'dropped', reason: error.code ?? error.message });
    });

    let responded = false;
    req.on('response', (res) => {
      responded = true;
      const status = res.statusCode ?? 0;
      const declared = Number.parseInt(res.headers['content-length'] ?? '', 10);
      const chunks: Buffer[] = [];
      let kept = 0;
      let total = 0;
      const tooLarge = (length: number): CallOutcome => ({
        kind: 'too-large',
        status,
        length,
        max: request.maxBodyBytes,
        truncated: Buffer.concat(chunks).toString('utf8'),
      });
      res.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (kept < request.maxBodyBytes) {
          const part = chunk.subarray(0, request.maxBodyBytes - kept);
          chunks.push(part);
          kept += part.length;
        }
        // With a declared length the size is known: stop reading instead of draining megabytes.
        if (Number.isFinite(declared) && declared > request.maxBodyBytes && kept >= request.maxBodyBytes) {
          settle(tooLarge(declared));
          req.destroy();
        }
      });
      res.on('end', () => {
        if (total > request.maxBodyBytes) settle(tooLarge(total));
        else settle({ kind: 'response', status, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error: NodeJS.ErrnoException) => settle({ kind: 'dropped', reason: error.code ?? error.message }));
      res.on('close', () => settle({ kind: 'dropped', reason: 'connection closed before the response ended' }));
    });

    req.end(request.body);
  });
}
