import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { errorHandler } from '../http/error-handler';
import type { RequestState } from '../http/request-context';
import type { InvokerRegistry } from '../invocation/invoker-registry';
import { loadDashboardFiles } from '../dashboard/dashboard-files';
import { DASHBOARD_CSP, dashboardRoutes } from './dashboard.routes';

// The dashboard's static route serves the page folder's own files by name and nothing else:
// every way of spelling a path out of the folder is a 404, sent over a raw socket so that no
// client normalises the `..` away first.

const registry = {
  invokers: () => [{ invokerId: 'invoker0', state: 'up', freeMemoryMb: 1536, userMemoryMb: 2048, heardAt: 1, gpus: [], gpuWarm: [] }],
} as unknown as InvokerRegistry;

let server: Server;
let port: number;

beforeAll(async () => {
  const app = new Koa<RequestState>();
  app.silent = true;
  app.use(errorHandler());
  app.use(dashboardRoutes({ registry }).routes());
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function get(path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the dashboard route', () => {
  it('serves the page at /dashboard/ with a strict CSP, and sends /dashboard there', async () => {
    const page = await get('/dashboard/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toMatch(/^default-src 'self';/);
    expect(DASHBOARD_CSP).not.toMatch(/unsafe/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).toContain('<script type="module" src="main.js"></script>');
    const bare = await get('/dashboard');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/dashboard/');
  });

  it('serves each file of the page folder with its type, and the page holds no inline script or style', async () => {
    const files = loadDashboardFiles();
    expect([...files.keys()]).toEqual(expect.arrayContaining(['index.html', 'main.js', 'api.js', 'dom.js', 'chart.js', 'activations.js', 'dashboard.css']));
    const script = await get('/dashboard/main.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/dashboard/dashboard.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const html = files.get('index.html')!.body.toString('utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/i);
    expect(html).not.toMatch(/\bstyle=|<style|\bon\w+=/i);
  });

  it('never puts API values into the DOM as markup', () => {
    for (const [name, file] of loadDashboardFiles()) {
      if (name.endsWith('.js')) expect([name, file.body.toString('utf8')]).not.toEqual([name, expect.stringMatching(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/)]);
    }
  });

  it.each([
    '/dashboard/../package.json',
    '/dashboard/..%2fpackage.json',
    '/dashboard/..%2Fpackage.json',
    '/dashboard/%2e%2e/package.json',
    '/dashboard/%2e%2e%2fpackage.json',
    '/dashboard/%2E%2E%2F%2E%2E%2Fpackage.json',
    '/dashboard/..%5cpackage.json',
    '/dashboard/%252e%252e%252fpackage.json',
    '/dashboard/../dashboard-files.ts',
    '/dashboard/..%2fdashboard-files.ts',
    '/dashboard/%2fetc%2fpasswd',
    '/dashboard//etc/passwd',
    '/dashboard/page/index.html',
    '/dashboard/index.html%00.js',
    '/dashboard/nothing.js',
    '/dashboard/.',
    '/dashboard/..',
  ])('answers %s with 404 and none of the file system', async (path) => {
    const answer = await get(path);
    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain('"name": "wisp"');
    expect(answer.body).not.toContain('root:');
    expect(answer.body).not.toContain('loadDashboardFiles');
  });

  it('answers the invokers with the memory their heartbeats report', async () => {
    const answer = await get('/dashboard/invokers.json');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual([{ invokerId: 'invoker0', state: 'up', freeMemoryMb: 1536, userMemoryMb: 2048, heardAt: 1, gpus: 0 }]);
  });
});
