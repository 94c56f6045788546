import { Counter, Registry } from 'prom-client';
import { silentLogger } from '../logging/logger';
import { startMetricsServer } from './metrics-server';

describe('startMetricsServer', () => {
  it('answers GET /metrics in the Prometheus text format and nothing else', async () => {
    const registry = new Registry();
    new Counter({ name: 'wisp_test_total', help: 'a test counter', registers: [registry] }).inc(3);
    const server = await startMetricsServer(registry, { host: '127.0.0.1', port: 0 }, silentLogger);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(registry.contentType);
      expect(await res.text()).toContain('wisp_test_total 3');
      expect((await fetch(server.url.replace('/metrics', '/'))).status).toBe(404);
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
