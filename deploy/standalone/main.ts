import { join } from 'node:path';
import Dockerode from 'dockerode';
import { isConfigError } from '../../common/config/env-reader';
import { openEmbeddedMessageBus } from '../../common/adapters/embedded/embedded-message-bus';
import { openEmbeddedStores } from '../../common/adapters/embedded/embedded-stores';
import { createMemorySignalBus } from '../../common/adapters/memory/memory-signal-bus';
import { stopOnSignals } from '../../common/lifecycle/stop-signals';
import { createLogger, type Logger } from '../../common/logging/logger';
import { createNaming } from '../../common/naming';
import type { ContainerFactory } from '../../common/spi/container-factory';
import { loadControllerConfig } from '../../controller/config';
import { startController } from '../../controller/controller';
import { loadInvokerConfig, type InvokerConfig } from '../../invoker/config';
import { createInvoker } from '../../invoker/create-invoker';
import { invokerGpus } from '../../invoker/gpu/gpu-inventory';
import { DockerContainerFactory } from '../../invoker/containers/docker-container-factory';
import { ProcessContainerFactory } from '../../invoker/containers/process-container-factory';
import { loadStandaloneConfig, type FactoryChoice } from './config';
import { dataDirMessageKey } from './message-key-file';
import { sandboxOf } from './sandbox-info';
import { createMemoryLeaderLock } from '../../common/adapters/memory/memory-leader-lock';
import { loadTriggersConfig } from '../../triggers/config';
import { startTriggers } from '../../triggers/start-triggers';
import { createProcessRegistry } from '../../common/metrics/process-registry';
import { startMetricsServer } from '../../common/metrics/metrics-server';
import { builtRuntimeProxies } from '../../actions/runtime-proxy-files';

// The standalone platform: controller, invoker and triggers service in one process over the embedded message bus
// (durable: an accepted activation survives a crash), the memory signal bus and the embedded
// store — the same code path as the distributed profile with other adapters.

async function main(): Promise<void> {
  const standalone = loadStandaloneConfig(process.env);
  // WISP_MESSAGE_KEY seals activation messages on the bus (ADR 0014); unless one is given, the data dir keeps its own.
  // Standalone is a laptop's platform: OpenWhisk's public guest key works unless WISP_ALLOW_DEV_KEYS=false says no.
  const env = { WISP_ALLOW_DEV_KEYS: 'true', ...process.env, WISP_MESSAGE_KEY: process.env.WISP_MESSAGE_KEY || dataDirMessageKey(standalone.dataDir) };
  const controllerConfig = loadControllerConfig(env);
  const logger = createLogger({ service: 'wisp-standalone', level: controllerConfig.shared.logLevel });
  const naming = createNaming(controllerConfig.shared.prefix);

  const stores = await openEmbeddedStores({ dataDir: standalone.dataDir, logger });
  const bus = openEmbeddedMessageBus({ dataDir: join(standalone.dataDir, 'bus'), logger });
  const signals = createMemorySignalBus({ logger: logger.child({ component: 'memory-signal-bus' }) });

  // The images the invoker will really run (WISP_RUNTIME_IMAGE_*), not the defaults, decide whether Docker can be used.
  const { runtimeImages } = loadInvokerConfig({ ...env, WISP_CONTAINER_FACTORY: 'docker' });
  const factoryKind = await chooseFactory(standalone.containerFactory, runtimeImages, logger);
  const sandbox = sandboxOf(factoryKind);
  if (sandbox.warning) logger.warn({ containers: factoryKind }, sandbox.warning);
  // The controller listens first, so actions are told where it really is (its port may be 0,
  // chosen at listen) unless WISP_API_HOST_FOR_ACTIONS says otherwise. It answers nothing until
  // the invoker below is healthy and the banner is out: an answer means an invoke will run.
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  // One registry for the process: the controller's HTTP figures and the invoker's on one GET /metrics.
  const metrics = controllerConfig.shared.metrics ? createProcessRegistry({ service: 'standalone' }) : undefined;
  const controller = await startController({ config: controllerConfig, logger, naming, bus, signals, entities: stores.entities, activations: stores.activations, sandbox, ready, ...(metrics ? { metrics } : {}) });
  const invokerConfig = loadInvokerConfig({ WISP_API_HOST_FOR_ACTIONS: controller.url, ...env, WISP_CONTAINER_FACTORY: factoryKind });
  const factory = makeFactory(factoryKind, invokerConfig, logger);
  const gpus = await invokerGpus(invokerConfig.gpus, logger);
  const invoker = createInvoker({ config: invokerConfig, bus, signals, entities: stores.entities, activations: stores.activations, factory, logger, gpus, ...(metrics ? { metrics } : {}) });
  await invoker.start();
  await controller.registry.waitForHealthy(30_000);
  // Feeds fire through the controller's REST API as in the distributed profile; the leases are
  // memory ones, since the data dir's lock already keeps a second process away.
  const triggersConfig = loadTriggersConfig({ WISP_TRIGGERS_API_URL: controller.url, ...env });
  // One service holds one lease object per registration, so each lease needs no location shared with others.
  const triggers = startTriggers({ config: triggersConfig, store: stores.entities, leaseFor: () => createMemoryLeaderLock(), logger });
  const metricsServer = metrics && controllerConfig.shared.metrics ? await startMetricsServer(metrics, controllerConfig.shared.metrics, logger.child({ component: 'metrics' })) : undefined;

  const guest = controllerConfig.bootstrap.find((b) => b.namespace === 'guest')?.auth;
  process.stdout.write(
    `\nWisp standalone is ready at ${controller.url}\n` +
      `  data dir:   ${standalone.dataDir}\n` +
      `  containers: ${factoryKind}\n` +
      `  dashboard:  ${controller.url}/dashboard/\n` +
      (metricsServer ? `  metrics:    ${metricsServer.url}\n` : '') +
      (sandbox.warning ? `  WARNING:    ${sandbox.warning}\n` : '') +
      (guest !== undefined
        ? `  guest key:  ${guest}\n  try:        curl -u ${guest} ${controller.url}/api/v1/namespaces/_/actions\n\n`
        : `  guest key:  none (WISP_ALLOW_DEV_KEYS=false); create a namespace with: npm run admin -- user create <subject>\n\n`),
  );
  markReady();

  stopOnSignals(logger, async () => {
    await triggers.stop();
    await metricsServer?.close();
    await controller.stop();
    await invoker.stop();
    await Promise.allSettled([bus.close(), signals.close()]);
    await stores.close();
  });
}

/** Docker when an engine answers and the runtime image exists; local processes otherwise. */
async function chooseFactory(choice: FactoryChoice, images: InvokerConfig['runtimeImages'], logger: Logger): Promise<'docker' | 'process'> {
  if (choice !== 'auto') return choice;
  try {
    const docker = new Dockerode();
    await docker.ping();
    for (const image of Object.values(images)) await docker.getImage(image).inspect();
    return 'docker';
  } catch (err) {
    logger.info({ reason: (err as Error).message }, 'no Docker engine with the runtime images; running actions as local processes');
    return 'process';
  }
}

function makeFactory(kind: 'docker' | 'process', config: InvokerConfig, logger: Logger): ContainerFactory {
  const naming = createNaming(config.shared.prefix);
  const common = { invokerId: config.invokerId, naming, logger };
  return kind === 'docker'
    ? new DockerContainerFactory({ ...common, images: config.runtimeImages, apiHostForContainers: config.apiHostForActions, userMemoryMb: config.userMemoryMb, hardening: config.hardening })
    : new ProcessContainerFactory({ ...common, proxies: builtRuntimeProxies(), baseEnv: { __OW_API_HOST: config.apiHostForActions } });
}

main().catch((err: unknown) => {
  process.stderr.write(isConfigError(err) ? `${err.message}\n` : `wisp standalone failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
