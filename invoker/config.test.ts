import { ConfigError } from '../common/config/env-reader';
import { loadInvokerConfig } from './config';

describe('loadInvokerConfig', () => {
  const KEY_HEX = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

  it('has defaults for everything but the message key', () => {
    const config = loadInvokerConfig({ WISP_MESSAGE_KEY: KEY_HEX });
    expect(config).toEqual({
      shared: expect.objectContaining({ prefix: 'wisp' }),
      invokerId: 'invoker0',
      userMemoryMb: 4096,
      containerFactory: 'docker',
      runtimeImages: { nodejs: 'wisp-runtime-nodejs:latest', python: 'wisp-runtime-python:latest' },
      queueCapacity: 256,
      prewarm: { nodejs: 1, python: 0 },
      pauseGraceMs: 50,
      userEvents: true,
      idleContainerMs: 600000,
      apiHostForActions: 'http://127.0.0.1:3233',
      claimGraceMs: 60000,
      drainMs: 30000,
      idLease: { fromPool: true, poolSize: 16, ttlMs: 5000 },
      hardening: { pidsLimit: 256, tmpfsMb: 64, milliCpus: 1000, user: '65534:65534' },
      messageKey: Buffer.from(KEY_HEX, 'hex'),
      gpus: { source: 'declared', devices: [] },
      gpuIdleContainerMs: 3_600_000,
      gpuPause: false,
    });
  });

  it('takes declared GPUs, or detection, and reports a bad GPU list with the other problems', () => {
    const declared = '[{"index":0,"uuid":"GPU-fake-0","name":"Declared 16GB","memoryMb":16384}]';
    expect(loadInvokerConfig({ WISP_MESSAGE_KEY: KEY_HEX, WISP_INVOKER_GPUS: declared }).gpus).toEqual({
      source: 'declared',
      devices: [{ index: 0, uuid: 'GPU-fake-0', name: 'Declared 16GB', memoryMb: 16384 }],
    });
    expect(loadInvokerConfig({ WISP_MESSAGE_KEY: KEY_HEX, WISP_INVOKER_GPUS: 'detect' }).gpus).toEqual({ source: 'detect' });
    let error: unknown;
    try {
      loadInvokerConfig({ WISP_MESSAGE_KEY: KEY_HEX, WISP_INVOKER_GPUS: '[{"index":0,"uuid":"u","name":"n","memoryMb":0}]', WISP_INVOKER_USER_MEMORY_MB: '1' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(
      expect.arrayContaining(['WISP_INVOKER_GPUS[0].memoryMb must be a whole number of MB from 1, but was 0', expect.stringContaining('WISP_INVOKER_USER_MEMORY_MB')]),
    );
  });

  it('refuses a root or named container user, and reports it with the other problems', () => {
    const problems = (env: Record<string, string>): readonly string[] => {
      try {
        loadInvokerConfig({ WISP_MESSAGE_KEY: KEY_HEX, ...env });
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ WISP_CONTAINER_USER: '0:0' })).toEqual(['WISP_CONTAINER_USER must not be root (uid 0): every action is hostile code']);
    expect(problems({ WISP_CONTAINER_USER: 'nobody', WISP_CONTAINER_PIDS_LIMIT: '2' })).toHaveLength(2);
    expect(loadInvokerConfig({ WISP_MESSAGE_KEY: KEY_HEX, WISP_CONTAINER_USER: '1000', WISP_CONTAINER_CPU_MILLICORES: '500' }).hardening).toMatchObject({ user: '1000', milliCpus: 500 });
  });

  it('reads the message key as base64 as well as hex, and refuses one of the wrong size without echoing it', () => {
    expect(loadInvokerConfig({ WISP_MESSAGE_KEY: Buffer.from(KEY_HEX, 'hex').toString('base64') }).messageKey).toEqual(Buffer.from(KEY_HEX, 'hex'));
    let caught: unknown;
    try {
      loadInvokerConfig({ WISP_MESSAGE_KEY: 'short-secret-value' });
    } catch (error) {
      caught = error;
    }
    expect((caught as ConfigError).problems).toEqual([expect.stringMatching(/^WISP_MESSAGE_KEY must be 32 bytes/)]);
    expect((caught as ConfigError).message).not.toContain('short-secret-value');
  });

  it('reads every variable', () => {
    const config = loadInvokerConfig({
      WISP_PREFIX: 'wisp-test-1',
      WISP_INVOKER_ID: 'invoker3',
      WISP_INVOKER_USER_MEMORY_MB: '1024',
      WISP_CONTAINER_FACTORY: 'process',
      WISP_RUNTIME_IMAGE_NODEJS: 'my-node:1',
      WISP_RUNTIME_IMAGE_PYTHON: 'my-python:1',
      WISP_INVOKER_QUEUE_CAPACITY: '8',
      WISP_INVOKER_PREWARM_NODEJS: '0',
      WISP_INVOKER_PREWARM_PYTHON: '2',
      WISP_INVOKER_PAUSE_GRACE_MS: '10',
      WISP_INVOKER_IDLE_CONTAINER_MS: '5000',
      WISP_API_HOST_FOR_ACTIONS: 'http://172.17.0.1:3233',
      WISP_INVOKER_CLAIM_GRACE_MS: '100',
      WISP_INVOKER_DRAIN_MS: '0',
      WISP_INVOKER_POOL_SIZE: '4',
      WISP_INVOKER_LEASE_TTL_MS: '3000',
      WISP_USER_EVENTS: 'false',
      WISP_MESSAGE_KEY: KEY_HEX,
    });
    expect(config).toMatchObject({
      userEvents: false,
      shared: { prefix: 'wisp-test-1' },
      invokerId: 'invoker3',
      userMemoryMb: 1024,
      containerFactory: 'process',
      runtimeImages: { nodejs: 'my-node:1', python: 'my-python:1' },
      prewarm: { nodejs: 0, python: 2 },
      pauseGraceMs: 10,
      queueCapacity: 8,
      idleContainerMs: 5000,
      apiHostForActions: 'http://172.17.0.1:3233',
      claimGraceMs: 100,
      drainMs: 0,
      idLease: { fromPool: false, poolSize: 4, ttlMs: 3000 },
    });
  });

  it('reports every problem at once', () => {
    let caught: unknown;
    try {
      loadInvokerConfig({
        WISP_PREFIX: 'Bad Prefix',
        WISP_INVOKER_ID: 'Invoker_0',
        WISP_INVOKER_USER_MEMORY_MB: '64',
        WISP_CONTAINER_FACTORY: 'podman',
        WISP_INVOKER_QUEUE_CAPACITY: 'many',
        WISP_API_HOST_FOR_ACTIONS: 'not a url',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toHaveLength(7);
    for (const name of ['WISP_MESSAGE_KEY', 'WISP_PREFIX', 'WISP_INVOKER_ID', 'WISP_INVOKER_USER_MEMORY_MB', 'WISP_CONTAINER_FACTORY', 'WISP_INVOKER_QUEUE_CAPACITY', 'WISP_API_HOST_FOR_ACTIONS']) {
      expect(problems.some((p) => p.startsWith(name))).toBe(true);
    }
  });
});
