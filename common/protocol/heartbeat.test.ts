import { decodeHeartbeat, encodeHeartbeat, type Heartbeat } from './heartbeat';

const beat: Heartbeat = {
  v: 2,
  invokerId: 'invoker0',
  sentAt: 1,
  userMemoryMb: 4096,
  freeMemoryMb: 2048,
  consumer: { state: 'running', lastFetchAt: 1 },
  gpus: [{ index: 0, uuid: 'GPU-a', name: 'Tesla T4', memoryMb: 16_000, freeMemoryMb: 8000, idleMemoryMb: 4000 }],
  gpuWarm: ['guest guest/llm'],
};

describe('heartbeat', () => {
  it('round-trips a version 2 beat with its GPUs and warm GPU actions', () => {
    expect(decodeHeartbeat(encodeHeartbeat(beat))).toEqual(beat);
  });

  it('decodes a version 1 beat (an invoker not yet upgraded) as one without GPUs', () => {
    const { gpus: _gpus, gpuWarm: _warm, ...rest } = beat;
    const old = Buffer.from(JSON.stringify({ ...rest, v: 1 }));
    expect(decodeHeartbeat(old)).toEqual({ ...beat, gpus: [], gpuWarm: [] });
  });

  it('refuses a version 2 beat whose GPUs are malformed, and unknown versions', () => {
    expect(decodeHeartbeat(Buffer.from(JSON.stringify({ ...beat, gpus: [{ index: 0 }] })))).toBeUndefined();
    expect(decodeHeartbeat(Buffer.from(JSON.stringify({ ...beat, gpuWarm: [1] })))).toBeUndefined();
    expect(decodeHeartbeat(Buffer.from(JSON.stringify({ ...beat, v: 3 })))).toBeUndefined();
    expect(decodeHeartbeat(Buffer.from('not json'))).toBeUndefined();
  });

  it('carries the pool census when the invoker sends one, and drops a malformed one without refusing the beat', () => {
    const pool = { prewarmed: 1, starting: 0, busy: 2, idle: 3, paused: 4 };
    expect(decodeHeartbeat(encodeHeartbeat({ ...beat, pool }))).toEqual({ ...beat, pool });
    expect(decodeHeartbeat(Buffer.from(JSON.stringify({ ...beat, pool: { idle: -1 } })))).toEqual(beat);
  });
});
