import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../../common/logging/logger';
import { isLoopbackApiHost, startApiRelay } from './api-relay';

// The relay over real loopback sockets (the Docker network's gateway is exercised by the docker
// factory's integration test).

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('isLoopbackApiHost', () => {
  it('relays the host itself, under any of its names, and nothing else', () => {
    for (const host of ['http://127.0.0.1:3233', 'http://127.1.2.3', 'http://localhost:1', 'http://[::1]:3233', 'http://0.0.0.0:3233']) {
      expect(isLoopbackApiHost(new URL(host))).toBe(true);
    }
    for (const host of ['http://172.17.0.1:3233', 'https://api.example.com', 'http://128.0.0.1']) {
      expect(isLoopbackApiHost(new URL(host))).toBe(false);
    }
  });
});

describe('startApiRelay', () => {
  const api = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, path: req.url, auth: req.headers.authorization, body }));
    });
  });
  let port = 0;

  beforeAll(async () => {
    port = await listen(api);
  });
  afterAll(() => new Promise((resolve) => api.close(resolve)));

  it('pipes requests and answers unchanged, keeping the scheme and giving its own port', async () => {
    const relay = await startApiRelay({ listenHost: '127.0.0.1', target: new URL(`http://127.0.0.1:${port}`), logger: silentLogger });
    try {
      expect(relay.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(relay.url).not.toBe(`http://127.0.0.1:${port}`);
      const answers = await Promise.all(
        [1, 2, 3].map(async (n) => {
          const answer = await fetch(`${relay.url}/api/v1/namespaces/_/actions/a?n=${n}`, { method: 'POST', headers: { authorization: 'Basic xyz' }, body: `{"n":${n}}` });
          return answer.json();
        }),
      );
      expect(answers).toEqual([1, 2, 3].map((n) => ({ method: 'POST', path: `/api/v1/namespaces/_/actions/a?n=${n}`, auth: 'Basic xyz', body: `{"n":${n}}` })));
    } finally {
      await relay.close();
    }
  });

  it('ends only the connection when the API is down, and serves again when it is back', async () => {
    const down = createServer((_req, res) => res.end('"back"'));
    const downPort = await listen(down);
    await new Promise((resolve) => down.close(resolve));
    const relay = await startApiRelay({ listenHost: '127.0.0.1', target: new URL(`http://127.0.0.1:${downPort}`), logger: silentLogger });
    try {
      await expect(fetch(`${relay.url}/`)).rejects.toThrow();
      await new Promise<void>((resolve) => down.listen(downPort, '127.0.0.1', resolve));
      expect(await (await fetch(`${relay.url}/`)).json()).toBe('back');
    } finally {
      await relay.close();
      await new Promise((resolve) => down.close(resolve));
    }
  });

  it('refuses connections once closed, even kept-alive ones', async () => {
    const relay = await startApiRelay({ listenHost: '127.0.0.1', target: new URL(`http://127.0.0.1:${port}`), logger: silentLogger });
    expect((await fetch(`${relay.url}/x`)).status).toBe(200);
    await relay.close();
    await expect(fetch(`${relay.url}/x`)).rejects.toThrow();
  });
});
