import { createMemorySignalBus } from '../../common/adapters/memory/memory-signal-bus';
import { SYSTEM_TRANSIDS, silentLogger } from '../../common/logging/logger';
import { createNaming } from '../../common/naming';
import type { SignalBus } from '../../common/spi/signal-bus';
import { listenForIdentityChanges } from './identity-change-listener';
import { capturedLogs } from '../../test/harness/captured-logs';

// Identity changes are heard in the background, nobody's request: what the listener logs carries
// the cache invalidation system transaction id.

const naming = createNaming('wisp-identity-change-test');
let signals: SignalBus;
let logs: ReturnType<typeof capturedLogs>;

beforeEach(() => {
  signals = createMemorySignalBus({ logger: silentLogger });
  logs = capturedLogs();
});

afterEach(async () => {
  await signals.close();
});

describe('identity change listener', () => {
  it('logs under the cache invalidation system transaction id', async () => {
    const subscription = await listenForIdentityChanges(signals, naming, [], logs.logger);
    signals.publish(naming.identityChangeSubject(), Buffer.from('not a change'));
    await signals.flush();
    await subscription.close();
    expect(logs.lines).toEqual([expect.objectContaining({ msg: 'undecodable identity change ignored', transid: SYSTEM_TRANSIDS.cacheInvalidation })]);
  });
});
