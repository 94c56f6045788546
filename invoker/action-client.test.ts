import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createActionClient, type ActionClient } from './action-client';

// A real HTTP server on loopback stands in for a runtime proxy, so every way a call can end
// (answer, deadline, drop, oversize body) is produced by real sockets.

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

describe('action client', () => {
  let server: http.Server;
  let handler: Handler;
  let client: ActionClient;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => handler(req, res, Buffer.concat(parts).toString('utf8')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = createActionClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { maxBodyBytes: 16 });
  });

  afterAll(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts JSON to /init and /run and returns status and body', async () => {
    const seen: string[] = [];
    handler = (req, res, body) => {
      seen.push(`${req.method} ${req.url} ${req.headers['content-type']} ${body}`);
      res.writeHead(req.url === '/init' ? 200 : 502, { 'content-type': 'application/json' }).end('{"ok":1}');
    };
    expect(await client.init({ value: { code: 'x' } }, 1000)).toEqual({ kind: 'response', status: 200, body: '{"ok":1}' });
    expect(await client.run({ value: {} }, 1000)).toEqual({ kind: 'response', status: 502, body: '{"ok":1}' });
    expect(seen).toEqual(['POST /init application/json {"value":{"code":"x"}}', 'POST /run application/json {"value":{}}']);
  });

  it('reports a timeout when the deadline passes first', async () => {
    const pending: http.ServerResponse[] = [];
    handler = (_req, res) => pending.push(res);
    const started = Date.now();
    expect(await client.run({}, 100)).toEqual({ kind: 'timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    pending.forEach((res) => res.destroy());
  });

  it('reports a dropped connection', async () => {
    handler = (req) => req.socket.destroy();
    expect(await client.run({}, 1000)).toMatchObject({ kind: 'dropped' });
  });

  it('never sends /run twice: a reused connection dropped after the request reached the proxy is a dropped call', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    expect(await client.run({ value: {} }, 1000)).toMatchObject({ kind: 'response' });
    let runs = 0;
    // The proxy read the request (the action may be running) when the connection went.
    handler = (req) => {
      runs += 1;
      req.socket.destroy();
    };
    expect(await client.run({ value: {} }, 1000)).toMatchObject({ kind: 'dropped' });
    expect(runs).toBe(1);
  });

  it('caps a body with a declared length and reports its full length', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-length': '40' }).end('x'.repeat(40));
    expect(await client.run({}, 1000)).toEqual({ kind: 'too-large', status: 200, length: 40, max: 16, truncated: 'x'.repeat(16) });
  });

  it('caps a chunked body while counting all of it', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('a'.repeat(10));
      res.write('b'.repeat(10));
      res.end('c'.repeat(10));
    };
    expect(await client.run({}, 1000)).toEqual({ kind: 'too-large', status: 200, length: 30, max: 16, truncated: `${'a'.repeat(10)}${'b'.repeat(6)}` });
  });

  it('accepts a body of exactly the cap', async () => {
    handler = (_req, res) => res.writeHead(200).end('y'.repeat(16));
    expect(await client.run({}, 1000)).toEqual({ kind: 'response', status: 200, body: 'y'.repeat(16) });
  });

  it("sends the container's proxy token on every /init and /run, and no token header when it has none", async () => {
    const seen: (string | undefined)[] = [];
    handler = (req, res) => {
      seen.push(`${req.url} ${String(req.headers['x-wisp-proxy-token'])}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    };
    const port = (server.address() as AddressInfo).port;
    const tokened = createActionClient(`http://127.0.0.1:${port}`, { proxyToken: 'tok-1' });
    expect(await tokened.init({ value: {} }, 1000)).toMatchObject({ kind: 'response', status: 200 });
    for (let n = 0; n < 3; n += 1) expect(await tokened.run({ value: { n } }, 1000)).toMatchObject({ kind: 'response', status: 200 });
    tokened.close();
    expect(await client.run({ value: {} }, 1000)).toMatchObject({ kind: 'response', status: 200 });
    expect(seen).toEqual(['/init tok-1', '/run tok-1', '/run tok-1', '/run tok-1', '/run undefined']);
  });

  it('reports a refused connection as dropped', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const gone = createActionClient(`http://127.0.0.1:${port}`);
    expect(await gone.run({}, 1000)).toEqual({ kind: 'dropped', reason: 'ECONNREFUSED' });
    gone.close();
  });
});
