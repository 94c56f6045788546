import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { EnvReader } from '../../config/env-reader';
import { readSharedConfig } from '../../config/shared-config';
import { silentLogger } from '../../logging/logger';
import { createNaming } from '../../naming';
import { describeSignalBusContract } from '../../../test/contracts/signal-bus.contract';
import { eventually } from '../../../test/harness/eventually';
import { freePort } from '../../../test/harness/free-port';
import { createNatsSignalBus } from './nats-signal-bus';

const { natsUrl } = readSharedConfig(new EnvReader(process.env));

jest.setTimeout(30_000);

describeSignalBusContract(
  'nats',
  async () => ({
    bus: await createNatsSignalBus({ servers: natsUrl, name: 'wisp-signal-contract', logger: silentLogger }),
    prefix: `wisp-test-${randomBytes(4).toString('hex')}`,
  }),
  { sharedBetweenInstances: true, deliveryTimeoutMs: 5000, quietMs: 100 },
);

describe('nats signal bus against a server that restarts', () => {
  let server: ChildProcess | undefined;

  async function startServer(port: number): Promise<ChildProcess> {
    const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    await eventually(async () => {
      const probe = await createNatsSignalBus({ servers: `127.0.0.1:${port}`, name: 'probe', logger: silentLogger }).catch(() => undefined);
      if (!probe) return undefined;
      await probe.close();
      return true;
    }, 10_000, 100);
    return child;
  }

  async function stopServer(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  afterEach(async () => {
    if (server) await stopServer(server);
  });

  it('tells onReconnect listeners after the connection came back, and carries signals again', async () => {
    const port = await freePort();
    server = await startServer(port);
    const naming = createNaming(`wisp-test-${randomBytes(4).toString('hex')}`);
    const bus = await createNatsSignalBus({
      servers: `127.0.0.1:${port}`,
      name: 'wisp-reconnect-test',
      logger: silentLogger,
      reconnectTimeWaitMs: 100,
    });
    try {
      let reconnects = 0;
      bus.onReconnect(() => reconnects++);
      const received: string[] = [];
      await bus.subscribe(naming.healthSubject(), (payload) => void received.push(payload.toString()));

      await stopServer(server);
      server = await startServer(port);
      await eventually(async () => (reconnects > 0 ? true : undefined), 10_000, 50);

      // The client resubscribes on reconnect; a signal published now arrives again.
      await eventually(async () => {
        bus.publish(naming.healthSubject(), Buffer.from('after-restart'));
        await bus.flush();
        return received.includes('after-restart') ? true : undefined;
      }, 10_000, 100);
      expect(reconnects).toBe(1);
    } finally {
      await bus.close();
    }
  });
});
