import type { ActionDoc } from '../../common/entities/action';
import { refAddress, type EntityRef } from '../../common/entities/rule';
import { isPlatformError } from '../../common/errors/platform-error';
import type { Stored } from '../../common/spi/entity-store';
import type { ComponentResolver } from '../sequences/sequence-resolver';

// How rules (when saved) and trigger fires (every time) find the action a rule names, as the
// rule's namespace may see it. Entitlement is asked again at every fire because what made the
// rule valid when saved (a published package, a binding, the action itself) may be gone since.
// It is the sequence components' resolver underneath, so a rule and a sequence can never be
// entitled to different things.

export interface FoundAction {
  /** The action as it will run, package (and binding) parameters merged under its own. */
  readonly action: Stored<ActionDoc>;
  /** Where it really lives (`ns` or `ns/pkg`; through a binding, the bound package's path) and its name. */
  readonly actionNamespace: string;
  readonly actionName: string;
  /** `ns/binding` when the rule names the action through a binding (always the rule namespace's own). */
  readonly binding?: string;
}

/** Data, not exceptions: a fire records each outcome in the trigger's activation. */
export type ActionLookupOutcome =
  | { readonly kind: 'found'; readonly found: FoundAction }
  | { readonly kind: 'missing' }
  /** The namespace may not read it: another namespace's private or unpublished package, its binding, or its loose action. */
  | { readonly kind: 'not-entitled' };

export type ActionLookup = (ref: EntityRef, asNamespace: string) => Promise<ActionLookupOutcome>;

export function ruleActionLookup(resolve: ComponentResolver): ActionLookup {
  return async (ref, asNamespace) => {
    const { namespace, pkg } = refAddress(ref);
    try {
      const found = await resolve({ namespace, ...(pkg ? { pkg } : {}), name: ref.name }, asNamespace);
      if (!found) return { kind: 'missing' };
      const { action, actionNamespace, actionName, binding } = found;
      return { kind: 'found', found: { action, actionNamespace, actionName, ...(binding ? { binding } : {}) } };
    } catch (err) {
      if (isPlatformError(err) && err.status === 403) return { kind: 'not-entitled' };
      throw err;
    }
  };
}
