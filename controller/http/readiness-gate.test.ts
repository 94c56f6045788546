import type { Context } from 'koa';
import { readinessGate } from './readiness-gate';

const ctx = {} as Context;

describe('readinessGate', () => {
  it('passes requests straight through when nothing is awaited', async () => {
    const next = jest.fn(async () => undefined);
    await readinessGate(undefined)(ctx, next);
    expect(next).toHaveBeenCalledTimes(1);
  });

  it('holds requests until ready resolves, then lets every held one and later ones through', async () => {
    let markReady!: () => void;
    const gate = readinessGate(new Promise<void>((resolve) => (markReady = resolve)));
    const order: string[] = [];
    const held = [1, 2].map((n) => gate(ctx, async () => void order.push(`request ${n}`)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);
    order.push('ready');
    markReady();
    await Promise.all(held);
    await gate(ctx, async () => void order.push('request 3'));
    expect(order).toEqual(['ready', 'request 1', 'request 2', 'request 3']);
  });

  it('fails held requests when the start fails, so none waits forever', async () => {
    let fail!: (err: Error) => void;
    const gate = readinessGate(new Promise<void>((_resolve, reject) => (fail = reject)));
    const held = gate(ctx, async () => undefined);
    fail(new Error('invoker never became healthy'));
    await expect(held).rejects.toThrow('invoker never became healthy');
  });
});
