import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

// One HTTP exchange over node's own http/https modules: `-i` needs `rejectUnauthorized: false`,
// which node's fetch cannot take without undici's Agent, and nothing else here needs a library.

export interface HttpRequest {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly insecure: boolean;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly text: string;
}

export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

export const nodeHttpTransport: HttpTransport = (req) =>
  new Promise((resolve, reject) => {
    const send = req.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers = req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) };
    const outgoing = send(req.url, { method: req.method, headers, rejectUnauthorized: !req.insecure }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const single = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
        resolve({ status: res.statusCode ?? 0, headers: single, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
