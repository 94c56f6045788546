import { silentLogger } from '../../common/logging/logger';
import { PROXY_TOKEN_HEADER } from '../../common/protocol/runtime-protocol';
import { createNaming } from '../../common/naming';
import { describeContainerFactoryContract } from '../../test/contracts/container-factory.contract';
import { ContainerImageError } from './container-image-error';
import { ProcessContainerFactory } from './process-container-factory';
import { findLabelledProcesses } from './process-labels';
import { testRuntimeProxies } from '../../test/harness/runtime-proxies';

describeContainerFactoryContract(
  'process',
  ({ invokerId, naming }) => new ProcessContainerFactory({ invokerId, naming, logger: silentLogger, proxies: testRuntimeProxies() }),
  { enforcesMemory: false, reportsOom: false, canPause: true },
  {
    image: 'unused-by-the-process-factory',
    pythonImage: 'unused-by-the-process-factory',
    countOwned: async (naming, invokerId) => (await findLabelledProcesses(naming.containerLabels(invokerId))).length,
  },
);

describe('ProcessContainerFactory specifics', () => {
  it('rejects create at once when the node binary cannot be spawned', async () => {
    const naming = createNaming('wisp-test-spawn');
    const factory = new ProcessContainerFactory({ invokerId: 'invoker0', naming, logger: silentLogger, proxies: testRuntimeProxies(), nodeBinary: '/nonexistent/node' });
    const started = Date.now();
    await expect(factory.create({ name: 'x', family: 'nodejs', image: '', memoryMb: 128, env: {} })).rejects.toThrow(/container x did not start: .*ENOENT/);
    expect(Date.now() - started).toBeLessThan(5000);
    await factory.close();
  });

  it('refuses a blackbox image as the action\'s problem, and a python that cannot be found as a failed start', async () => {
    const naming = createNaming('wisp-test-kinds');
    const factory = new ProcessContainerFactory({ invokerId: 'invoker0', naming, logger: silentLogger, proxies: testRuntimeProxies(), pythonBinary: '/nonexistent/python3' });
    const blackbox = factory.create({ name: 'bb', family: 'blackbox', image: 'some/image', memoryMb: 128, env: {} });
    await expect(blackbox).rejects.toBeInstanceOf(ContainerImageError);
    await expect(blackbox).rejects.toMatchObject({ image: 'some/image', problem: 'unsupported' });
    await expect(factory.create({ name: 'py', family: 'python', image: '', memoryMb: 128, env: {} })).rejects.toThrow(/ENOENT/);
    await factory.close();
  });

  it('gives the runtime only the environment it is handed, with its own port winning', async () => {
    const naming = createNaming('wisp-test-env');
    const factory = new ProcessContainerFactory({ invokerId: 'invoker0', naming, logger: silentLogger, proxies: testRuntimeProxies(), baseEnv: { BASE: 'b', SHARED: 'base' } });
    const container = await factory.create({ name: 'env', family: 'nodejs', image: '', memoryMb: 128, env: { SHARED: 'spec', PORT: '1' } });
    expect(container.baseUrl).not.toBe('http://127.0.0.1:1');
    const code = 'function main() { return { base: process.env.BASE, shared: process.env.SHARED, home: process.env.HOME ?? null }; }';
    const post = (path: string, body: unknown) =>
      fetch(`${container.baseUrl}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { connection: 'close', [PROXY_TOKEN_HEADER]: container.proxyToken } }).then((r) => r.json());
    expect(await post('/init', { value: { main: 'main', code } })).toEqual({ OK: true });
    expect(await post('/run', { value: {} })).toEqual({ base: 'b', shared: 'spec', home: null });
    await factory.close();
  });
});
