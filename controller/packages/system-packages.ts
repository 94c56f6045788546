import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActionDoc } from '../../common/entities/action';
import { entityKey } from '../../common/entities/entity-name';
import type { LimitBounds } from '../../common/entities/limits';
import { boundPackage, type PackageDoc } from '../../common/entities/package';
import type { Logger } from '../../common/logging/logger';
import type { EntityDocument, EntityStore } from '../../common/spi/entity-store';
import { retry, TRY_AGAIN } from '../../common/retry/retry';
import { buildAction } from '../actions/action-input';
import { buildPackage, parsePackageInput } from './package-input';

// The system namespace's public packages, written at every controller start: only what is
// missing or differs from the sources is written, so restarts and several controllers starting
// at once leave one version behind. The action sources live in actions/system/<package>/, as
// the catalog keeps them, and are read from there.

export const SYSTEM_NAMESPACE = 'whisk.system';
export const SYSTEM_ACTIONS_DIR = join(__dirname, '..', '..', 'actions', 'system');

interface SystemPackageSpec {
  readonly name: string;
  readonly description: string;
  readonly actions: readonly SystemActionSpec[];
}

interface SystemActionSpec {
  readonly name: string;
  readonly description: string;
  /** The source file, relative to the system actions folder, when it is not `<package>/<name>.js` (every feed action shares one). */
  readonly source?: string;
  /** A feed action (annotation `feed: true`), driven by the feed lifecycle. */
  readonly feed?: true;
}

/** One lifecycle source for every feed action: it maps the event onto the trigger's registration route. */
const FEED_SOURCE = 'feed-lifecycle.js';

// Descriptions as apache/openwhisk-catalog's packages/utils/manifest.yaml has them.
const SYSTEM_PACKAGES: readonly SystemPackageSpec[] = [
  {
    name: 'utils',
    description: 'Building blocks that format and assemble data',
    actions: [
      { name: 'echo', description: 'Returns the input' },
      { name: 'cat', description: 'Concatenates input into a string' },
      { name: 'sort', description: 'Sorts an array' },
      { name: 'head', description: 'Extract prefix of an array' },
      { name: 'split', description: 'Split a string into an array' },
      { name: 'date', description: 'Current date and time' },
    ],
  },
  // As apache/openwhisk-package-alarms installs it; the feeds reach the triggers service through
  // the controller's registration route (ADR 0017).
  {
    name: 'alarms',
    description: 'Alarms and periodic utility',
    actions: [
      { name: 'alarm', description: 'Fire trigger when alarm occurs', source: FEED_SOURCE, feed: true },
      { name: 'interval', description: 'Fire trigger at specified interval', source: FEED_SOURCE, feed: true },
      { name: 'once', description: 'Fire trigger once when alarm occurs', source: FEED_SOURCE, feed: true },
    ],
  },
  // As apache/openwhisk-package-kafka installs kafkaFeed, with Wisp's natsFeed beside it (ADR 0026).
  {
    name: 'messaging',
    description: 'Feeds that fire a trigger with batches of messages from Kafka or NATS',
    actions: [
      { name: 'kafkaFeed', description: 'Feed to listen to Kafka messages', source: FEED_SOURCE, feed: true },
      { name: 'natsFeed', description: 'Feed to listen to NATS or JetStream messages', source: FEED_SOURCE, feed: true },
    ],
  },
];

export interface SystemPackagesOptions {
  readonly store: EntityStore;
  readonly bounds: LimitBounds;
  readonly logger: Logger;
  readonly sourceDir?: string;
  readonly now?: () => number;
}

export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

/** Writes what is missing or changed; answers what happened to each `ns/pkg[/action]`. */
export async function ensureSystemPackages(options: SystemPackagesOptions): Promise<Record<string, EnsureOutcome>> {
  const now = options.now ?? Date.now;
  const dir = options.sourceDir ?? SYSTEM_ACTIONS_DIR;
  const outcomes: Record<string, EnsureOutcome> = {};
  for (const spec of SYSTEM_PACKAGES) {
    const input = parsePackageInput({ publish: true, annotations: [{ key: 'description', value: spec.description }] }, SYSTEM_NAMESPACE);
    outcomes[`${SYSTEM_NAMESPACE}/${spec.name}`] = await ensureDoc<PackageDoc>(
      options.store,
      SYSTEM_NAMESPACE,
      spec.name,
      'package',
      (existing) => buildPackage(input, { namespace: SYSTEM_NAMESPACE, name: spec.name, now: now() }, existing),
      (doc) => [doc.publish, boundPackage(doc) ?? null, doc.parameters, doc.annotations],
    );
    for (const action of spec.actions) {
      const code = readFileSync(action.source ? join(dir, action.source) : join(dir, spec.name, `${action.name}.js`), 'utf8');
      const annotations = [{ key: 'description', value: action.description }, ...(action.feed ? [{ key: 'feed', value: true }] : [])];
      const body = { exec: { kind: 'nodejs:default', code }, annotations };
      const context = { namespace: `${SYSTEM_NAMESPACE}/${spec.name}`, name: action.name, bounds: options.bounds };
      outcomes[`${SYSTEM_NAMESPACE}/${spec.name}/${action.name}`] = await ensureDoc<ActionDoc>(
        options.store,
        SYSTEM_NAMESPACE,
        entityKey({ pkg: spec.name, name: action.name }),
        'action',
        (existing) => buildAction(body, { ...context, now: now() }, existing),
        (doc) => [doc.publish, doc.exec, doc.parameters, doc.annotations, doc.limits],
      );
    }
  }
  const changed = Object.entries(outcomes).filter(([, outcome]) => outcome !== 'unchanged');
  if (changed.length > 0) options.logger.info({ changed: Object.fromEntries(changed) }, 'system packages written');
  return outcomes;
}

/** Several controllers may race here: a lost write is read again and compared, a few times. */
async function ensureDoc<T extends EntityDocument>(
  store: EntityStore,
  namespace: string,
  key: string,
  entityType: T['entityType'],
  build: (existing?: T) => T,
  content: (doc: T) => unknown[],
): Promise<EnsureOutcome> {
  return retry<EnsureOutcome>(
    async () => {
      const existing = await store.get<T>(namespace, key);
      if (existing && existing.doc.entityType !== entityType) {
        throw new Error(`cannot bootstrap ${namespace}/${key}: the name holds a ${existing.doc.entityType}`);
      }
      const doc = build(existing?.doc);
      if (existing && JSON.stringify(content(existing.doc)) === JSON.stringify(content(doc))) return 'unchanged';
      const outcome = await store.put(namespace, key, doc, existing ? existing.revision : null);
      if (outcome.ok) return existing ? 'updated' : 'created';
      return TRY_AGAIN;
    },
    { attempts: 5, exhausted: () => new Error(`cannot bootstrap ${namespace}/${key}: it keeps changing underneath`) },
  );
}
