import type { Middleware } from 'koa';
import { Counter, Histogram, type Registry } from 'prom-client';

// HTTP requests by route pattern (never the raw path: names in paths would make a series per
// entity) and status, for the controller's GET /metrics.

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function httpMetrics(registry: Registry | undefined): Middleware {
  if (!registry) return (_ctx, next) => next();
  const requests = new Counter({ name: 'wisp_http_requests_total', help: 'HTTP requests answered by the controller, by method, route pattern and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const seconds = new Histogram({ name: 'wisp_http_request_duration_seconds', help: 'Time to answer an HTTP request, by method and route pattern', labelNames: ['method', 'route'], buckets: BUCKETS, registers: [registry] });
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
      const labels = { method: ctx.method, route: route === undefined ? 'unmatched' : String(route) };
      requests.inc({ ...labels, status: String(ctx.status) });
      seconds.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
}
