import { createMemorySignalBus } from '../../common/adapters/memory/memory-signal-bus';
import { SYSTEM_TRANSIDS, silentLogger } from '../../common/logging/logger';
import { createNaming } from '../../common/naming';
import type { SignalBus } from '../../common/spi/signal-bus';
import { InvokerRegistry } from './invoker-registry';
import { capturedLogs } from '../../test/harness/captured-logs';

// Heartbeats are heard in the background, nobody's request: what the registry logs carries the
// health monitor's system transaction id.

const naming = createNaming('wisp-registry-test');
let signals: SignalBus;
let logs: ReturnType<typeof capturedLogs>;

beforeEach(() => {
  signals = createMemorySignalBus({ logger: silentLogger });
  logs = capturedLogs();
});

afterEach(async () => {
  await signals.close();
});

describe('invoker registry', () => {
  it('logs under the health monitor\'s system transaction id', async () => {
    const registry = new InvokerRegistry(signals, naming, logs.logger);
    await registry.start();
    signals.publish(naming.healthSubject(), Buffer.from('not a heartbeat'));
    await signals.flush();
    await registry.stop();
    expect(logs.lines).toEqual([expect.objectContaining({ msg: 'undecodable heartbeat ignored', transid: SYSTEM_TRANSIDS.healthMonitor })]);
  });
});
