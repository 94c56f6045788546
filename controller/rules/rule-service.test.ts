import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEntityStore } from '../../common/adapters/embedded/embedded-entity-store';
import type { ActionDoc } from '../../common/entities/action';
import type { TriggerDoc } from '../../common/entities/trigger';
import { isPlatformError } from '../../common/errors/platform-error';
import { silentLogger } from '../../common/logging/logger';
import type { EntityDocument, EntityStore } from '../../common/spi/entity-store';
import { actionDoc } from '../../test/harness/action-doc';
import { entitySnapshot } from '../../test/harness/entity-snapshot';
import { ruleActionLookup } from '../actions/action-lookup';
import { storeComponentResolver } from '../sequences/sequence-resolver';
import { RuleService } from './rule-service';

// The two-write rule operations on the embedded store, with a store decorator that fails or
// interferes at a chosen step: whatever step fails, no rule is left without its link and no
// link without its rule.

type Hook = (op: 'put' | 'delete', namespace: string, key: string, doc?: EntityDocument) => Promise<void> | void;

/** The real store, with `hook` run before each write (it may throw to fail the write, or change the store). */
function interfering(store: EntityStore, hook: { current: Hook | undefined }): EntityStore {
  return {
    get: (ns, key) => store.get(ns, key),
    list: (ns, type, options) => store.list(ns, type, options),
    count: (ns, type) => store.count(ns, type),
    close: () => store.close(),
    put: async (ns, key, doc, revision) => {
      await hook.current?.('put', ns, key, doc);
      return store.put(ns, key, doc, revision);
    },
    delete: async (ns, key, revision) => {
      await hook.current?.('delete', ns, key);
      return store.delete(ns, key, revision);
    },
  };
}

let dir: string;
let base: EntityStore;
const hook: { current: Hook | undefined } = { current: undefined };
let rules: RuleService;

const trigger = (name: string): TriggerDoc => ({ entityType: 'trigger', namespace: 'guest', name, version: '0.0.1', publish: false, parameters: [], limits: {}, annotations: [], updated: 1 });
const action = (name: string): ActionDoc => actionDoc({ name, updated: 1 });
const snapshot = () => entitySnapshot(base, 'guest', ['trigger', 'rule', 'action']);

async function failure(work: Promise<unknown>): Promise<{ status?: number; message: string }> {
  try {
    await work;
  } catch (err) {
    return { ...(isPlatformError(err) ? { status: err.status } : {}), message: (err as Error).message };
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wisp-rule-service-'));
  base = openEmbeddedEntityStore({ dataDir: dir, logger: silentLogger });
  const store = interfering(base, hook);
  rules = new RuleService({ store, lookupAction: ruleActionLookup(storeComponentResolver(store)), logger: silentLogger });
  for (const name of ['t1', 't2']) await base.put('guest', name, trigger(name), null);
  for (const name of ['a1', 'a2']) await base.put('guest', name, action(name), null);
});

afterEach(() => {
  hook.current = undefined;
});

afterAll(async () => {
  await base.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('RuleService undoes partial writes', () => {
  it('removes a new rule whose link could not be written', async () => {
    const before = await snapshot();
    hook.current = (op, _ns, key) => {
      if (op === 'put' && key === 't1') throw new Error('store down');
    };
    expect((await failure(rules.put('guest', 'new', { trigger: 't1', action: 'a1' }, false))).message).toBe('store down');
    expect(await snapshot()).toEqual(before);
  });

  it('removes a new rule when its trigger disappears before the link is written', async () => {
    const before = await snapshot();
    hook.current = async (op, ns, key) => {
      if (op === 'put' && key === 'racing') {
        hook.current = undefined;
        const t2 = await base.get('guest', 't2');
        await base.delete(ns, 't2', t2!.revision);
      }
    };
    expect(await failure(rules.put('guest', 'racing', { trigger: 't2', action: 'a1' }, false))).toEqual({ status: 400, message: 'trigger /guest/t2 does not exist' });
    const after = await snapshot();
    expect(after['rule:racing']).toBeUndefined();
    expect(after['trigger:t2']).toBeUndefined();
    expect({ ...after, 'trigger:t2': before['trigger:t2'] }).toEqual(before);
    await base.put('guest', 't2', trigger('t2'), null);
  });

  it('restores the old rule and both links when moving to another trigger fails halfway', async () => {
    await rules.put('guest', 'mover', { trigger: 't1', action: 'a1' }, false);
    await rules.setState('guest', 'mover', { status: 'inactive' });
    const before = await snapshot();
    hook.current = (op, _ns, key, doc) => {
      // The link to t2 is written; removing the link from t1 fails.
      if (op === 'put' && key === 't1' && !(doc as TriggerDoc).rules?.['guest/mover']) throw new Error('store down');
    };
    expect((await failure(rules.put('guest', 'mover', { trigger: 't2', action: 'a2' }, true))).message).toBe('store down');
    const after = await snapshot();
    expect(after).toEqual(before);
    expect((await rules.get('guest', 'mover')).status).toBe('inactive');
  });

  it('puts the link back when the rule document cannot be deleted', async () => {
    await rules.put('guest', 'kept', { trigger: 't1', action: 'a1' }, false);
    const before = await snapshot();
    hook.current = (op, _ns, key) => {
      if (op === 'delete' && key === 'kept') throw new Error('store down');
    };
    expect((await failure(rules.delete('guest', 'kept'))).message).toBe('store down');
    expect(await snapshot()).toEqual(before);
    expect((await rules.get('guest', 'kept')).status).toBe('active');
  });

  it('takes back a state change when the rule was deleted meanwhile', async () => {
    await rules.put('guest', 'vanishing', { trigger: 't1', action: 'a1' }, false);
    await rules.setState('guest', 'vanishing', { status: 'inactive' });
    hook.current = async (op, ns, key) => {
      if (op === 'put' && key === 't1') {
        hook.current = undefined;
        const stored = await base.get('guest', 'vanishing');
        await base.delete(ns, 'vanishing', stored!.revision);
      }
    };
    expect(await failure(rules.setState('guest', 'vanishing', { status: 'active' }))).toEqual({ status: 404, message: 'The requested resource does not exist.' });
    expect(((await base.get<TriggerDoc>('guest', 't1'))!.doc.rules ?? {})['guest/vanishing']).toEqual({ action: { path: 'guest', name: 'a1' }, status: 'inactive' });
  });
});
