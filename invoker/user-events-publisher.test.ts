import type { ActivationRecord } from '../common/entities/activation';
import { silentLogger } from '../common/logging/logger';
import type { MessageBus, OutgoingMessage } from '../common/spi/message-bus';
import { UserEventsPublisher } from './user-events-publisher';

const record = (activationId: string): ActivationRecord => ({
  namespace: 'alice',
  name: 'resize',
  subject: 'alice',
  activationId,
  start: 10,
  end: 30,
  duration: 20,
  response: { statusCode: 1, result: { error: 'bad input' }, size: 23 },
  logs: ['secret log line'],
  version: '0.0.1',
  publish: false,
  annotations: [
    { key: 'path', value: 'alice/resize' },
    { key: 'kind', value: 'python:3.11' },
    { key: 'waitTime', value: 4 },
    { key: 'initTime', value: 9 },
    { key: 'limits', value: { timeout: 60000, memory: 512, logs: 10, concurrency: 1 } },
    { key: 'causedBy', value: 'sequence' },
  ],
});

function fakeBus(fail: () => boolean): MessageBus & { sent: OutgoingMessage[][] } {
  const sent: OutgoingMessage[][] = [];
  return {
    sent,
    ensureTopic: async () => undefined,
    send: async (_topic, messages) => {
      if (fail()) throw new Error('broker down');
      sent.push([...messages]);
    },
    subscribe: async () => {
      throw new Error('not used');
    },
    close: async () => undefined,
  };
}

describe('UserEventsPublisher', () => {
  it('sends the records of one turn as one batch of OpenWhisk user events, without logs or results', async () => {
    const bus = fakeBus(() => false);
    const publisher = new UserEventsPublisher({ bus, topic: 'wisp.events', source: 'invoker2', logger: silentLogger });
    publisher.recorded(record('a'.repeat(32)));
    publisher.recorded(record('b'.repeat(32)));
    await publisher.close();
    expect(bus.sent).toHaveLength(1);
    expect(bus.sent[0]!.map((m) => m.key)).toEqual(['alice', 'alice']);
    const event = JSON.parse(bus.sent[0]![0]!.value.toString()) as unknown;
    expect(event).toEqual({
      source: 'invoker2',
      body: { name: 'alice/resize', activationId: 'a'.repeat(32), statusCode: 1, duration: 20, waitTime: 4, initTime: 9, kind: 'python:3.11', conductor: false, memory: 512, causedBy: 'sequence', size: 23 },
      subject: 'alice',
      namespace: 'alice',
      userId: 'alice',
      eventType: 'Activation',
      timestamp: 30,
    });
    expect(bus.sent[0]![0]!.value.toString()).not.toContain('secret log line');
    expect(bus.sent[0]![0]!.value.toString()).not.toContain('bad input');
    expect(publisher.sent).toBe(2);
  });

  it('counts events a failing bus lost and goes on with the next ones', async () => {
    let down = true;
    const bus = fakeBus(() => down);
    const publisher = new UserEventsPublisher({ bus, topic: 'wisp.events', source: 'invoker0', logger: silentLogger });
    publisher.recorded(record('a'.repeat(32)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(publisher.dropped).toBe(1);
    down = false;
    publisher.recorded(record('b'.repeat(32)));
    await publisher.close();
    expect(publisher.sent).toBe(1);
  });

  it('drops beyond its queue bound instead of growing', () => {
    const bus = fakeBus(() => false);
    const publisher = new UserEventsPublisher({ bus, topic: 'wisp.events', source: 'invoker0', logger: silentLogger, maxQueued: 2 });
    for (const c of 'abcd') publisher.recorded(record(c.repeat(32)));
    expect(publisher.dropped).toBe(2);
  });
});
