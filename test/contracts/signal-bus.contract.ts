// The SignalBus contract, in the style of OpenWhisk's ArtifactStoreBehavior: one suite that every
// adapter runs (memory in unit tests, NATS in integration tests against the real server). Subjects
// come from a per-run prefix, so parallel runs on one server never see each other's signals.

import { randomBytes } from 'node:crypto';
import { createNaming, type Naming } from '../../common/naming';
import type { SignalBus, SignalSubscription } from '../../common/spi/signal-bus';
import { eventually } from '../harness/eventually';

export interface SignalBusUnderTest {
  readonly bus: SignalBus;
  /** Prefix for every subject the test uses. */
  readonly prefix: string;
}

export interface SignalBusContractCapabilities {
  /** Two buses from the factory reach each other (separate connections to one server). */
  readonly sharedBetweenInstances: boolean;
  readonly deliveryTimeoutMs: number;
  /** How long "nothing arrives" must hold before a test believes it. */
  readonly quietMs: number;
}

interface Received {
  readonly subject: string;
  readonly payload: Buffer;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeSignalBusContract(
  name: string,
  makeBus: () => Promise<SignalBusUnderTest>,
  capabilities: SignalBusContractCapabilities,
): void {
  describe(`SignalBus contract: ${name}`, () => {
    const { deliveryTimeoutMs, quietMs } = capabilities;
    let bus: SignalBus;
    let naming: Naming;
    let toClose: { close(): Promise<void> }[];
    let counter = 0;

    const uniqueController = () => `c${++counter}-${randomBytes(3).toString('hex')}`;
    const until = (probe: () => boolean) => eventually(async () => (probe() ? true : undefined), deliveryTimeoutMs, 10);

    async function listen(bus: SignalBus, pattern: string): Promise<{ received: Received[]; subscription: SignalSubscription }> {
      const received: Received[] = [];
      const subscription = await bus.subscribe(pattern, (payload, subject) => void received.push({ subject, payload }));
      toClose.unshift(subscription);
      return { received, subscription };
    }

    beforeEach(async () => {
      const made = await makeBus();
      bus = made.bus;
      naming = createNaming(made.prefix);
      toClose = [made.bus];
    });

    afterEach(async () => {
      for (const closable of toClose) await closable.close();
    });

    it('delivers the payload bytes and the subject', async () => {
      const subject = naming.completionSubject(uniqueController());
      const { received } = await listen(bus, subject);
      const binary = Buffer.concat([Buffer.from([0, 255, 10, 13]), randomBytes(70 * 1024)]);
      bus.publish(subject, binary);
      bus.publish(subject, Buffer.alloc(0));
      await until(() => received.length === 2);
      expect(received[0]!.subject).toBe(subject);
      expect(received[0]!.payload.equals(binary)).toBe(true);
      expect(received[1]!.payload.length).toBe(0);
    });

    it('matches * to one token and > to the rest', async () => {
      const controller = uniqueController();
      const exact = naming.completionSubject(controller);
      const deeper = naming.completionSubject(`${controller}.extra`);
      const star = await listen(bus, naming.completionSubject('*'));
      const rest = await listen(bus, naming.completionSubject('>'));
      bus.publish(exact, Buffer.from('one'));
      bus.publish(deeper, Buffer.from('two'));
      bus.publish(naming.healthSubject(), Buffer.from('elsewhere'));
      await until(() => rest.received.length === 2 && star.received.length === 1);
      await bus.flush();
      await sleep(quietMs);
      expect(star.received.map((r) => r.subject)).toEqual([exact]);
      expect(rest.received.map((r) => r.subject)).toEqual([exact, deeper]);
    });

    it('never misses a publish that follows a resolved subscribe', async () => {
      for (let round = 0; round < 25; round++) {
        const subject = naming.completionSubject(uniqueController());
        const { received } = await listen(bus, subject);
        bus.publish(subject, Buffer.from(String(round)));
        await until(() => received.length === 1);
      }
    });

    it('delivers every signal to every subscriber, in publish order', async () => {
      const subject = naming.cacheInvalidationSubject();
      const listeners = [await listen(bus, subject), await listen(bus, subject), await listen(bus, naming.completionSubject('>'))];
      for (let i = 0; i < 50; i++) bus.publish(subject, Buffer.from(String(i)));
      const expected = Array.from({ length: 50 }, (_, i) => String(i));
      await until(() => listeners[0]!.received.length === 50 && listeners[1]!.received.length === 50);
      await bus.flush();
      await sleep(quietMs);
      expect(listeners[0]!.received.map((r) => r.payload.toString())).toEqual(expected);
      expect(listeners[1]!.received.map((r) => r.payload.toString())).toEqual(expected);
      expect(listeners[2]!.received).toEqual([]);
    });

    it('delivers nothing to a closed subscription', async () => {
      const subject = naming.healthSubject();
      const closing = await listen(bus, subject);
      const staying = await listen(bus, subject);
      await closing.subscription.close();
      bus.publish(subject, Buffer.from('after-close'));
      await until(() => staying.received.length === 1);
      await bus.flush();
      await sleep(quietMs);
      expect(closing.received).toEqual([]);
      await closing.subscription.close();
    });

    it('keeps delivering after a handler throws', async () => {
      const subject = naming.completionSubject(uniqueController());
      const seen: string[] = [];
      toClose.unshift(
        await bus.subscribe(subject, (payload) => {
          seen.push(payload.toString());
          if (payload.toString() === 'boom') throw new Error('handler failure under test');
        }),
      );
      bus.publish(subject, Buffer.from('boom'));
      bus.publish(subject, Buffer.from('after'));
      await until(() => seen.length === 2);
      expect(seen).toEqual(['boom', 'after']);
    });

    it('flushes, accepts reconnect listeners, closes cleanly and refuses to publish afterwards', async () => {
      const subject = naming.completionSubject(uniqueController());
      const { received } = await listen(bus, subject);
      bus.onReconnect(() => undefined);
      bus.publish(subject, Buffer.from('x'));
      await bus.flush();
      await until(() => received.length === 1);
      await bus.close();
      await bus.close();
      expect(() => bus.publish(subject, Buffer.from('late'))).toThrow();
    });

    if (capabilities.sharedBetweenInstances) {
      it('carries signals between two connections', async () => {
        const other = (await makeBus()).bus;
        toClose.push(other);
        const subject = naming.completionSubject(uniqueController());
        const { received } = await listen(other, subject);
        bus.publish(subject, Buffer.from('across'));
        await bus.flush();
        await until(() => received.length === 1);
        expect(received[0]!.payload.toString()).toBe('across');
      });
    }
  });
}
