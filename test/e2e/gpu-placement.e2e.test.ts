import Dockerode from 'dockerode';
import openwhisk from 'openwhisk';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { Messages } from '../../common/errors/messages';
import { createNaming } from '../../common/naming';
import { eventually } from '../harness/eventually';
import { startDistributedPlatform, type DistributedPlatform } from '../harness/platforms';

// Issue 12's first slice on the distributed profile, with declared GPUs (no GPU on this
// machine): invoker0 declares one 16 GB device, invoker1 none. A GPU action runs only on
// invoker0, pinned to its device (the variables it sees name it), and its second call finds the
// same warm container; a CPU action never sees the variables; an action asking more than the
// system maximum is refused at create (400), one asking more than any device of the fleet gets
// 503 at invoke; and with the GPU invoker gone, a GPU action gets 503 with the reason.

jest.setTimeout(120_000);

const DEVICE = { index: 0, uuid: 'GPU-wisp-e2e-0', name: 'Declared 16GB', memoryMb: 16_384 };
const ENV_ACTION = `function main() {
  return { host: require('os').hostname(), cuda: process.env.CUDA_VISIBLE_DEVICES || null, nvidia: process.env.NVIDIA_VISIBLE_DEVICES || null };
}`;

interface Seen {
  readonly host: string;
  readonly cuda: string | null;
  readonly nvidia: string | null;
}

interface OwError {
  readonly statusCode?: number;
  /** `code` is the transaction id, as OpenWhisk answers. */
  readonly error?: { error?: string; code?: string };
}

describe('GPU placement (distributed: two invokers, one with a declared GPU)', () => {
  const prefix = `e2e-gpu-${process.pid}-${Date.now().toString(36)}`;
  const naming = createNaming(prefix);
  const docker = new Dockerode();
  let platform: DistributedPlatform | undefined;

  const ow = () => openwhisk({ apihost: platform!.apihost, api_key: GUEST_AUTH });
  const create = (name: string, limits: Record<string, unknown>) => ow().actions.create({ name, action: { exec: { kind: 'nodejs:20', code: ENV_ACTION }, limits } as never });
  const invoke = async (name: string): Promise<Seen> => (await ow().actions.invoke({ name, blocking: true, result: true })) as Seen;
  const refusal = async (promise: Promise<unknown>): Promise<OwError> => {
    try {
      await promise;
    } catch (error) {
      return error as OwError;
    }
    throw new Error('expected a refusal');
  };
  /** The invoker whose container has this hostname (Docker's hostname is the container id's start). */
  const invokerOf = async (host: string): Promise<string | undefined> => {
    const containers = await docker.listContainers({ all: true, filters: { label: [`${naming.containerLabelKey}=${prefix}`] } });
    return containers.find((c) => c.Id.startsWith(host))?.Labels[naming.invokerLabelKey];
  };

  beforeAll(async () => {
    platform = await startDistributedPlatform({
      prefix,
      invokers: ['invoker0', 'invoker1'],
      env: { WISP_INVOKER_PREWARM_NODEJS: '0', WISP_MAX_ACTION_GPU_MEMORY_MB: '40000' },
      invokerEnv: { invoker0: { WISP_INVOKER_GPUS: JSON.stringify([DEVICE]) }, invoker1: { WISP_INVOKER_GPUS: '[]' } },
    });
  });

  afterAll(async () => {
    await platform?.stop();
    const left = await docker.listContainers({ all: true, filters: { label: [`${naming.containerLabelKey}=${prefix}`] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    const networks = await docker.listNetworks({ filters: { name: [naming.networkName()] } });
    await Promise.all(networks.filter((n) => n.Name === naming.networkName()).map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)));
  });

  it('runs GPU actions only on the GPU invoker, pinned to its device, warm on the second call', async () => {
    // Several names: by hash alone about half would go to invoker1.
    const names = ['gpu-a', 'gpu-b', 'gpu-c', 'gpu-d'];
    for (const name of names) await create(name, { gpu: { memory: 4000 } });
    const action = await ow().actions.get({ name: 'gpu-a' });
    expect(action.limits).toMatchObject({ gpu: { memory: 4000, count: 1 } });
    for (const name of names) {
      const seen = await invoke(name);
      expect(seen).toMatchObject({ cuda: DEVICE.uuid, nvidia: DEVICE.uuid });
      expect(await invokerOf(seen.host)).toBe('invoker0');
    }
    const first = await invoke('gpu-a');
    const second = await invoke('gpu-a');
    expect(second.host).toBe(first.host);
    // The record says which device the activation was pinned to and how much it reserved there.
    const record = (await ow().actions.invoke({ name: 'gpu-a', blocking: true })) as unknown as { annotations: { key: string; value: unknown }[] };
    expect(record.annotations.find((a) => a.key === 'gpu')?.value).toEqual({ devices: [{ index: 0, uuid: DEVICE.uuid }], memory: 4000 });
  });

  it('never gives a CPU action the GPU variables, wherever it runs', async () => {
    for (const name of ['cpu-a', 'cpu-b', 'cpu-c', 'cpu-d']) {
      await create(name, {});
      expect(await invoke(name)).toMatchObject({ cuda: null, nvidia: null });
    }
  });

  it('refuses GPU limits above the system maximum at create (400), and 503s one no device of the fleet can hold', async () => {
    const tooMuch = await refusal(create('gpu-huge', { gpu: { memory: 50_000 } }));
    expect(tooMuch.statusCode).toBe(400);
    expect(tooMuch.error?.error).toBe('limits.gpu.memory 50000 MB exceeds allowed threshold of 40000 MB');
    const badCount = await refusal(create('gpu-count', { gpu: { memory: 1000, count: 0 } }));
    expect(badCount.statusCode).toBe(400);

    await create('gpu-big', { gpu: { memory: 20_000 } });
    const big = await refusal(invoke('gpu-big'));
    expect(big.statusCode).toBe(503);
    expect(big.error?.error).toBe(Messages.noGpuLargeEnough(20_000, 1, 16_384));
  });

  it('answers 503 with the reason once no GPU invoker is left, and still runs CPU actions', async () => {
    await platform!.processes.find((p) => p.name === 'invoker0')!.stop();
    // The controller stops counting it after missed heartbeats; until then a call would be sent to it.
    await eventually(async () => {
      const res = await fetch(`${platform!.apihost}/invokers/healthy/count`);
      return res.ok && Number(await res.text()) === 1 ? true : undefined;
    }, 30_000, 200);
    const gone = await refusal(invoke('gpu-a'));
    expect(gone.statusCode).toBe(503);
    expect(gone.error?.error).toBe(Messages.noGpuInvokers(4000, 1));
    expect(await invoke('cpu-a')).toMatchObject({ cuda: null, nvidia: null });
  });
});
