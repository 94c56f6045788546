import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/logger';

// GET /metrics in Prometheus text format on a listener of its own: the labels name namespaces and
// actions, so the figures go only where an operator points a scraper (WISP_METRICS_HOST, loopback
// by default), never out of the public API port.

export interface MetricsListenConfig {
  readonly host: string;
  /** 0 picks a free port (logged). */
  readonly port: number;
}

export interface RunningMetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(registry: Registry, listen: MetricsListenConfig, logger: Logger): Promise<RunningMetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => {
        logger.warn({ err }, 'metrics not collected');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics not collected\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${listen.host}:${port}/metrics`;
  logger.info({ url }, 'metrics listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
