import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../logging/logger';
import { createNaming } from '../../naming';
import { describeSignalBusContract } from '../../../test/contracts/signal-bus.contract';
import { createMemorySignalBus } from './memory-signal-bus';

describeSignalBusContract(
  'memory',
  async () => ({ bus: createMemorySignalBus({ logger: silentLogger }), prefix: `wisp-test-${randomBytes(4).toString('hex')}` }),
  { sharedBetweenInstances: false, deliveryTimeoutMs: 2000, quietMs: 20 },
);

describe('memory signal bus', () => {
  const naming = createNaming(`wisp-test-${randomBytes(4).toString('hex')}`);

  it('never calls a handler inside publish, and delivers a copy of the payload', async () => {
    const bus = createMemorySignalBus({ logger: silentLogger });
    const seen: Buffer[] = [];
    await bus.subscribe(naming.healthSubject(), (payload) => void seen.push(payload));
    const payload = Buffer.from('abc');
    bus.publish(naming.healthSubject(), payload);
    expect(seen).toEqual([]);
    payload.write('xyz');
    await bus.flush();
    expect(seen.map((p) => p.toString())).toEqual(['abc']);
    await bus.close();
  });

  it('delivers what was published before close, and rejects bad subjects', async () => {
    const bus = createMemorySignalBus({ logger: silentLogger });
    const seen: string[] = [];
    await bus.subscribe(naming.healthSubject(), (payload) => void seen.push(payload.toString()));
    bus.publish(naming.healthSubject(), Buffer.from('last'));
    await bus.close();
    expect(seen).toEqual(['last']);
    const open = createMemorySignalBus({ logger: silentLogger });
    expect(() => open.publish(naming.completionSubject('*'), Buffer.from('x'))).toThrow(/invalid subject/);
    await expect(open.subscribe(`${naming.completionSubject('>')}.x`, () => undefined)).rejects.toThrow(/invalid subject/);
    await open.close();
    await expect(open.subscribe(naming.healthSubject(), () => undefined)).rejects.toThrow(/closed/);
  });
});
