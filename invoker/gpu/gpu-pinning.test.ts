import { DEFAULT_HARDENING, dockerCreateOptions } from '../containers/docker-create-options';
import type { ContainerSpec } from '../../common/spi/container-factory';
import { gpuEnv, hasNvidiaRuntime } from './gpu-pinning';

const gpus = [
  { index: 0, uuid: 'GPU-aaa', name: 'T4', memoryMb: 16_000 },
  { index: 2, uuid: 'GPU-ccc', name: 'T4', memoryMb: 16_000 },
];
const spec = (extra: Partial<ContainerSpec> = {}): ContainerSpec => ({ name: 'wisp_c', family: 'nodejs', image: 'img', memoryMb: 256, env: {}, ...extra });
const context = (nvidiaRuntime: boolean) => ({ hardening: DEFAULT_HARDENING, networkRef: 'net', apiHost: undefined, labels: {}, userMemoryMb: 4096, nvidiaRuntime, proxyToken: 't0ken' });

describe('GPU pinning', () => {
  it('reads the NVIDIA runtime from docker info', () => {
    expect(hasNvidiaRuntime({ Runtimes: { runc: {}, nvidia: {} } })).toBe(true);
    expect(hasNvidiaRuntime({ Runtimes: { runc: {}, 'nvidia-cdi': {} } })).toBe(true);
    expect(hasNvidiaRuntime({ Runtimes: { runc: {} } })).toBe(false);
    expect(hasNvidiaRuntime({})).toBe(false);
  });

  it('names the devices by uuid: both variables in Docker, CUDA_VISIBLE_DEVICES for a process, none without devices', () => {
    expect(gpuEnv(gpus, 'docker')).toEqual({ NVIDIA_VISIBLE_DEVICES: 'GPU-aaa,GPU-ccc', CUDA_VISIBLE_DEVICES: 'GPU-aaa,GPU-ccc' });
    expect(gpuEnv(gpus, 'process')).toEqual({ CUDA_VISIBLE_DEVICES: 'GPU-aaa,GPU-ccc' });
    expect(gpuEnv([], 'docker')).toEqual({});
    expect(gpuEnv(undefined, 'process')).toEqual({});
  });

  it('asks the engine for the devices only where it has the NVIDIA runtime; the variables always', () => {
    const withRuntime = dockerCreateOptions(spec({ gpus }), context(true));
    expect(withRuntime.HostConfig?.DeviceRequests).toEqual([{ Driver: 'nvidia', DeviceIDs: ['GPU-aaa', 'GPU-ccc'], Capabilities: [['gpu']] }]);
    expect(withRuntime.Env).toEqual(expect.arrayContaining(['NVIDIA_VISIBLE_DEVICES=GPU-aaa,GPU-ccc', 'CUDA_VISIBLE_DEVICES=GPU-aaa,GPU-ccc']));
    const declaredOnly = dockerCreateOptions(spec({ gpus }), context(false));
    expect(declaredOnly.HostConfig?.DeviceRequests).toBeUndefined();
    expect(declaredOnly.Env).toEqual(expect.arrayContaining(['NVIDIA_VISIBLE_DEVICES=GPU-aaa,GPU-ccc', 'CUDA_VISIBLE_DEVICES=GPU-aaa,GPU-ccc']));
  });

  it('gives a CPU container no device, and where the engine could expose all of them, says none', () => {
    const plain = dockerCreateOptions(spec(), context(false));
    expect(plain.HostConfig?.DeviceRequests).toBeUndefined();
    expect(plain.Env?.some((e) => /VISIBLE_DEVICES/.test(e))).toBe(false);
    // A user's CUDA image sets NVIDIA_VISIBLE_DEVICES=all: overridden so it sees no device.
    const onGpuHost = dockerCreateOptions(spec({ family: 'blackbox', env: { NVIDIA_VISIBLE_DEVICES: 'all' } }), context(true));
    expect(onGpuHost.Env).toContain('NVIDIA_VISIBLE_DEVICES=void');
    expect(onGpuHost.HostConfig?.DeviceRequests).toBeUndefined();
  });
});
