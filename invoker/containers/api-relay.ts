import { connect, createServer, type Socket } from 'node:net';
import { isIP } from 'node:net';
import type { Logger } from '../../common/logging/logger';

// Actions call the API at __OW_API_HOST, but a controller on one machine listens on loopback,
// which a container's own loopback is not. Rather than have the controller listen on more
// addresses (it knows nothing of Docker networks, and a network is recreated with a new gateway),
// the invoker that owns the network relays: it listens on the network's gateway, reachable only
// from the host and the containers on that network, and pipes each connection unchanged to the
// API host. A byte pipe keeps HTTP keep-alive, TLS and whatever the API adds later intact.

export interface ApiRelay {
  /** What containers are told instead of the API host: the same scheme, the gateway, the relay's port. */
  readonly url: string;
  readonly listenHost: string;
  close(): Promise<void>;
}

export interface ApiRelayOptions {
  /** An address of the host that containers can reach: the action network's gateway. */
  readonly listenHost: string;
  readonly target: URL;
  readonly logger: Logger;
}

/** Whether containers need a relay to reach this API host: it names the host's own loopback (or any address, which a container reads as its own). */
export function isLoopbackApiHost(apiHost: URL): boolean {
  const host = apiHost.hostname.replace(/^\[|\]$/g, '');
  if (['localhost', '::1', '::', '0.0.0.0'].includes(host)) return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

export async function startApiRelay(options: ApiRelayOptions): Promise<ApiRelay> {
  const { target, logger } = options;
  const targetHost = target.hostname.replace(/^\[|\]$/g, '');
  const targetPort = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer({ noDelay: true }, (inbound) => {
    track(inbound);
    const outbound = connect({ host: targetHost, port: targetPort, noDelay: true });
    track(outbound);
    // An action that hangs up, or an API that is down, ends only this connection: the action sees
    // a refused or reset call, as it would calling the API directly.
    const fail = (err: Error) => {
      logger.debug({ err }, 'api relay connection ended with an error');
      inbound.destroy();
      outbound.destroy();
    };
    inbound.once('error', fail);
    outbound.once('error', fail);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.listenHost, port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger.warn({ err }, 'api relay error'));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the api relay has no TCP address');
  const host = isIP(options.listenHost) === 6 ? `[${options.listenHost}]` : options.listenHost;
  const url = `${target.protocol}//${host}:${address.port}`;
  logger.info({ url, target: target.origin }, 'relaying the API host to action containers');
  return {
    url,
    listenHost: options.listenHost,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
