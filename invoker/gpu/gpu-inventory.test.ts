import { detectGpus, NVIDIA_SMI_ARGS, parseDeclaredGpus, parseNvidiaSmi } from './gpu-inventory';

// A real H100 host's answer, and a two-device one with a comma in a name.
const H100 = '0, GPU-5c9a1a4e-7a2b-4c56-9c3e-1f2e3d4c5b6a, NVIDIA H100 80GB HBM3, 81559, 1\n';
const TWO = '0, GPU-aaa, Tesla T4, 15360, 0\r\n1, GPU-bbb, NVIDIA A100-SXM4-40GB, Rev 2, 40960, 512.4\n\n';

describe('parseNvidiaSmi', () => {
  it('reads index, uuid, name, total and used memory in MiB', () => {
    expect(parseNvidiaSmi(H100)).toEqual([{ index: 0, uuid: 'GPU-5c9a1a4e-7a2b-4c56-9c3e-1f2e3d4c5b6a', name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, usedMb: 1 }]);
    expect(parseNvidiaSmi(TWO)).toEqual([
      { index: 0, uuid: 'GPU-aaa', name: 'Tesla T4', memoryMb: 15360, usedMb: 0 },
      { index: 1, uuid: 'GPU-bbb', name: 'NVIDIA A100-SXM4-40GB, Rev 2', memoryMb: 40960, usedMb: 513 },
    ]);
    expect(parseNvidiaSmi('')).toEqual([]);
  });

  it('refuses output it cannot read rather than guessing', () => {
    expect(() => parseNvidiaSmi('0, GPU-a, T4\n')).toThrow(/expected 5/);
    expect(() => parseNvidiaSmi('0, GPU-a, T4, [N/A], 0\n')).toThrow(/not index, uuid/);
    expect(() => parseNvidiaSmi('0, GPU-a, T4, 100, 0\n0, GPU-b, T4, 100, 0\n')).toThrow(/two GPUs with index 0/);
  });
});

describe('parseDeclaredGpus', () => {
  it('takes a JSON list of devices', () => {
    expect(parseDeclaredGpus('[{"index":0,"uuid":"GPU-fake-0","name":"Declared 16GB","memoryMb":16384}]')).toEqual({
      devices: [{ index: 0, uuid: 'GPU-fake-0', name: 'Declared 16GB', memoryMb: 16384 }],
      problems: [],
    });
    expect(parseDeclaredGpus('[]')).toEqual({ devices: [], problems: [] });
  });

  it('names every problem at once', () => {
    const { problems } = parseDeclaredGpus('[{"index":-1,"uuid":"a b","name":"","memoryMb":1.5}, 3, {"index":0,"uuid":"x","name":"n","memoryMb":10}, {"index":0,"uuid":"x","name":"n","memoryMb":10}]');
    expect(problems).toEqual([
      'WISP_INVOKER_GPUS[0].index must be a whole number from 0, but was -1',
      expect.stringContaining('WISP_INVOKER_GPUS[0].uuid must be a device id'),
      'WISP_INVOKER_GPUS[0].name must be a non-empty string, but was ""',
      'WISP_INVOKER_GPUS[0].memoryMb must be a whole number of MB from 1, but was 1.5',
      'WISP_INVOKER_GPUS[1] must be an object {index, uuid, name, memoryMb}',
      'two GPUs with index 0',
      'two GPUs with uuid x',
    ]);
    expect(parseDeclaredGpus('{').problems[0]).toContain('is not JSON');
    expect(parseDeclaredGpus('{"index":0}').problems[0]).toContain('must be a JSON list');
  });
});

describe('detectGpus', () => {
  it('runs nvidia-smi with the query and parses its answer', async () => {
    const calls: unknown[] = [];
    const devices = await detectGpus(async (file, args) => {
      calls.push([file, args]);
      return H100;
    });
    expect(calls).toEqual([['nvidia-smi', NVIDIA_SMI_ARGS]]);
    expect(devices).toHaveLength(1);
  });

  it('says clearly that nvidia-smi is missing', async () => {
    await expect(detectGpus(undefined, 'wisp-no-such-nvidia-smi')).rejects.toThrow(/needs nvidia-smi on the PATH, and there is none/);
  });
});
