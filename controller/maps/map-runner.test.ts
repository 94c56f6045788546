import type { ActionDoc } from '../../common/entities/action';
import type { ActivationRecord } from '../../common/entities/activation';
import { DEFAULT_LIMITS } from '../../common/entities/limits';
import { silentLogger } from '../../common/logging/logger';
import type { ActivationStore } from '../../common/spi/activation-store';
import type { InvokeOutcome, InvokeRequest } from '../invocation/dispatcher';
import { stepActivationId } from '../sequences/step-ids';
import { MapRunner, type ItemInvoker } from './map-runner';

// The map runner over a fake Dispatcher and store: item ids and cause, the map's record, the slot
// freed once it is stored, an item whose wait runs out, and a blocking wait that runs out first.

const identity = { subject: 'guest', namespace: 'guest', uuid: 'u', authKey: 'u:k' };
const doc: ActionDoc = { entityType: 'action', namespace: 'guest', name: 'sq', version: '0.0.3', publish: false, exec: { kind: 'nodejs:20', code: 'x', binary: false }, parameters: [], annotations: [], limits: { ...DEFAULT_LIMITS, timeout: 1000 }, updated: 0 };
const mapId = 'a'.repeat(32);
const request = { identity, action: { revision: 'r', doc }, actionNamespace: 'guest', actionName: 'sq', payload: {}, transid: 't'.repeat(32), activationId: mapId } satisfies InvokeRequest;

function fakes(answer: (request: InvokeRequest) => InvokeOutcome | Promise<InvokeOutcome>) {
  const stored: ActivationRecord[] = [];
  const sent: InvokeRequest[] = [];
  const done: string[] = [];
  const invoker: ItemInvoker = { invoke: async (r) => (sent.push(r), answer(r)) };
  const activations = { create: async (record: ActivationRecord) => (stored.push(record), 'created' as const) } as unknown as ActivationStore;
  const runner = new MapRunner({ invoker, activations, logger: silentLogger, onDone: (id) => done.push(id) });
  return { runner, stored, sent, done };
}

const completed = (r: InvokeRequest, statusCode: 0 | 1, result: unknown): InvokeOutcome => ({
  kind: 'completed',
  activationId: r.activationId!,
  record: { namespace: 'guest', name: 'sq', subject: 'guest', activationId: r.activationId!, start: 1, end: 2, response: { statusCode, result }, logs: [], version: '0.0.3', publish: false, annotations: [] },
});

describe('MapRunner', () => {
  it('runs each item under a derived id caused by the map, stores the map record, then frees its slot', async () => {
    const { runner, stored, sent, done } = fakes((r) => {
      const x = (r.payload as { x: number }).x;
      if (x === 1) return { kind: 'accepted', activationId: r.activationId! };
      return x === 2 ? completed(r, 1, { error: 'two' }) : completed(r, 0, { y: x });
    });
    const outcome = await runner.invoke({ request, payloads: [{ x: 0 }, { x: 1 }, { x: 2 }], concurrency: 2 }, true, 10_000);
    expect(outcome.kind).toBe('completed');
    expect(sent.map((r) => [r.activationId, r.cause])).toEqual([0, 1, 2].map((i) => [stepActivationId(mapId, i), mapId]));
    const ids = [0, 1, 2].map((i) => stepActivationId(mapId, i));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      activationId: mapId,
      name: 'sq',
      logs: ids,
      response: { statusCode: 0, result: { results: [{ y: 0 }, { error: `Timeout reached when retrieving activation ${ids[1]} for the map item.` }, { error: 'two' }], activationIds: ids, failed: 2 } },
    });
    expect(stored[0]!.annotations).toEqual(expect.arrayContaining([{ key: 'kind', value: 'map' }, { key: 'path', value: 'guest/sq' }]));
    expect(done).toEqual([mapId]);
  });

  it('answers only the id when the blocking wait runs out, and stores the record when the items end', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { runner, stored, done } = fakes(async (r) => {
      await gate;
      return completed(r, 0, {});
    });
    expect(await runner.invoke({ request, payloads: [{}], concurrency: 1 }, true, 20)).toEqual({ kind: 'accepted', activationId: mapId });
    expect(stored).toHaveLength(0);
    release();
    await runner.stop(5000);
    expect(stored).toHaveLength(1);
    expect(done).toEqual([mapId]);
  });
});
