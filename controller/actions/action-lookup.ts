import type { ActionDoc } from '../../common/entities/action';
import { refAddress, type EntityRef } from '../../common/entities/rule';
import type { EntityStore, Stored } from '../../common/spi/entity-store';

// How rules and trigger fires find the action a rule names. The default reads the store key
// (`name`, or `pkg/name` for an action in a package); a resolver that follows package bindings
// and merges package parameters can be passed in instead without changing its callers.

export interface FoundAction {
  /** The action as it will run (a resolver may have merged package parameters under its own). */
  readonly action: Stored<ActionDoc>;
  /** Where it really lives (`ns` or `ns/pkg`; through a binding, the bound package's path) and its name. */
  readonly actionNamespace: string;
  readonly actionName: string;
}

export type ActionLookup = (ref: EntityRef) => Promise<FoundAction | undefined>;

export function storeActionLookup(store: EntityStore): ActionLookup {
  return async (ref) => {
    const { namespace, key } = refAddress(ref);
    const stored = await store.get<ActionDoc>(namespace, key);
    return stored?.doc.entityType === 'action' ? { action: stored, actionNamespace: ref.path, actionName: ref.name } : undefined;
  };
}
