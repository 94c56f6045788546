import pino from 'pino';
import { createNatsSignalBus } from '../../common/adapters/nats/nats-signal-bus';
import { isDataDirInUseError } from '../../common/adapters/embedded/data-dir-lock';
import { openEmbeddedEntityStore } from '../../common/adapters/embedded/embedded-entity-store';
import { createRedisEntityStore } from '../../common/adapters/redis/redis-entity-store';
import { isConfigError } from '../../common/config/env-reader';
import type { Logger } from '../../common/logging/logger';
import { createNaming } from '../../common/naming';
import type { IdentityChange } from '../../common/protocol/identity-change';
import type { EntityStore } from '../../common/spi/entity-store';
import type { SignalBus } from '../../common/spi/signal-bus';
import { publishIdentityChange } from '../identity/identity-change-listener';
import { isIdentityRecordError } from '../identity/identity-record-error';
import { IdentityRecords } from '../identity/identity-records';
import { parseAdminArgs, type AdminInvocation } from './admin-args';
import { USAGE } from './admin-usage';
import { loadAdminConfig, type AdminConfig } from './admin-config';
import { runAdminCommand } from './admin-commands';
import { isUsageError } from './usage-error';

// wisp-admin, Wisp's wskadmin: subjects, namespaces, keys and limits, written straight to the
// entity store. `npx tsx controller/admin/wisp-admin.ts <command>` or `npm run admin -- <command>`.
// Exit codes: 0 done, 1 failed (not found, taken, store unreachable), 2 usage error.

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

async function main(argv: readonly string[]): Promise<number> {
  let invocation: AdminInvocation;
  let config: AdminConfig;
  try {
    invocation = parseAdminArgs(argv);
    config = loadAdminConfig(process.env);
  } catch (err) {
    if (isUsageError(err) || isConfigError(err)) {
      process.stderr.write(`wisp-admin: ${err.message}\n(wisp-admin help lists the commands)\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  if (argv.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    return EXIT_USAGE;
  }
  if (invocation.command.name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  // Diagnostics go to stderr; stdout carries only the command's answer (a key, a list, JSON).
  const logger: Logger = pino({ level: 'warn', base: { service: 'wisp-admin' } }, pino.destination({ fd: 2, sync: true }));
  const naming = createNaming(config.shared.prefix);
  let store: EntityStore;
  try {
    store = await openStore(invocation, config, logger);
  } catch (err) {
    process.stderr.write(`wisp-admin: ${(err as Error).message}\n`);
    return EXIT_FAILED;
  }
  const notifier = invocation.store.kind === 'redis' ? new ChangeNotifier(config, logger) : undefined;
  const records = new IdentityRecords({ store, ...(notifier ? { onChange: (change) => notifier.publish(naming, change) } : {}) });
  try {
    await runAdminCommand(invocation.command, records, (line) => process.stdout.write(`${line}\n`));
    return 0;
  } catch (err) {
    if (isIdentityRecordError(err)) {
      process.stderr.write(`wisp-admin: ${err.message}\n`);
      return err.problem === 'invalid-argument' ? EXIT_USAGE : EXIT_FAILED;
    }
    process.stderr.write(`wisp-admin: ${describeStoreFailure(err, invocation, config)}\n`);
    return EXIT_FAILED;
  } finally {
    await notifier?.close();
    await store.close().catch(() => undefined);
  }
}

async function openStore(invocation: AdminInvocation, config: AdminConfig, logger: Logger): Promise<EntityStore> {
  if (invocation.store.kind === 'embedded') {
    const { dataDir } = invocation.store;
    try {
      return openEmbeddedEntityStore({ dataDir, logger });
    } catch (err) {
      if (isDataDirInUseError(err)) {
        throw new Error(
          `the embedded store in ${dataDir} is locked by pid ${err.pid}: the store takes an exclusive lock, so wisp-admin can use it only while ` +
            `the standalone platform is stopped. Stop it, run this command again, then start it (or remove ${err.lockFile} if pid ${err.pid} is not a Wisp process).`,
        );
      }
      throw err;
    }
  }
  const store = createRedisEntityStore({ redis: config.shared.redisUrl, naming: createNaming(config.shared.prefix), logger });
  // Fail with a clear sentence instead of ioredis retrying forever in the background.
  const probe = store.get('!wisp-admin', 'probe');
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), config.connectTimeoutMs).unref());
  try {
    await Promise.race([probe, timeout]);
  } catch (err) {
    await store.close().catch(() => undefined);
    throw new Error(`cannot reach Redis at ${config.shared.redisUrl} (${(err as Error).message}); set WISP_REDIS_URL, or use --data-dir DIR for a standalone platform's embedded store`);
  }
  return store;
}

/** Tells running controllers over NATS what changed, so their caches drop it now rather than at the TTL's end. */
class ChangeNotifier {
  private bus: Promise<SignalBus | undefined> | undefined;

  constructor(
    private readonly config: AdminConfig,
    private readonly logger: Logger,
  ) {}

  async publish(naming: ReturnType<typeof createNaming>, change: Omit<IdentityChange, 'v'>): Promise<void> {
    const bus = await (this.bus ??= this.connect());
    if (!bus) return;
    publishIdentityChange(bus, naming, change);
    await bus.flush();
  }

  async close(): Promise<void> {
    const bus = await this.bus;
    await bus?.close();
  }

  private async connect(): Promise<SignalBus | undefined> {
    const connecting = createNatsSignalBus({ servers: this.config.shared.natsUrl, name: `${this.config.shared.prefix}-wisp-admin`, logger: this.logger });
    let timedOut = false;
    // A connection that arrives after we gave up must not keep the process alive.
    void connecting.then((late) => (timedOut ? late.close() : undefined)).catch(() => undefined);
    try {
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), this.config.connectTimeoutMs).unref());
      return await Promise.race([connecting, timeout]);
    } catch (err) {
      timedOut = true;
      process.stderr.write(
        `wisp-admin: warning: could not tell controllers over NATS at ${this.config.shared.natsUrl} (${(err as Error).message}); ` +
          'the change reaches them within their identity cache TTL (WISP_IDENTITY_CACHE_TTL_MS, 5 s by default)\n',
      );
      return undefined;
    }
  }
}

function describeStoreFailure(err: unknown, invocation: AdminInvocation, config: AdminConfig): string {
  const where = invocation.store.kind === 'embedded' ? `the embedded store in ${invocation.store.dataDir}` : `Redis at ${config.shared.redisUrl}`;
  return `the command failed on ${where}: ${(err as Error).message}`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`wisp-admin failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = EXIT_FAILED;
  },
);
