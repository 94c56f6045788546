import type { ReceivedMessage, Subscription } from '../spi/message-bus';
import { createOpenSubscriptions } from './open-subscriptions';

/** A subscription that records what was asked of it (the helper's only collaborator is the port). */
function recording(name: string, calls: string[]): Subscription {
  return {
    done: (message) => void calls.push(`${name}.done ${message.offset}`),
    pause: () => void calls.push(`${name}.pause`),
    resume: () => void calls.push(`${name}.resume`),
    health: () => ({ state: 'running', lastFetchAt: name.length }),
    close: async () => void calls.push(`${name}.close`),
  };
}

const message = { offset: '7' } as ReceivedMessage;

describe('open subscriptions', () => {
  it('passes every call through the handle', () => {
    const calls: string[] = [];
    const handle = createOpenSubscriptions().track(recording('a', calls));
    handle.done(message);
    handle.pause();
    handle.resume();
    expect(handle.health()).toEqual({ state: 'running', lastFetchAt: 1 });
    expect(calls).toEqual(['a.done 7', 'a.pause', 'a.resume']);
  });

  it('closes on closeAll only those still open, each once', async () => {
    const calls: string[] = [];
    const open = createOpenSubscriptions();
    const a = open.track(recording('a', calls));
    open.track(recording('bb', calls));
    open.track(recording('ccc', calls));
    await a.close();
    await open.closeAll();
    await open.closeAll();
    expect(calls.sort()).toEqual(['a.close', 'bb.close', 'ccc.close']);
  });
});
