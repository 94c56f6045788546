import { Messages } from '../../common/errors/messages';
import { PlatformError, isPlatformError } from '../../common/errors/platform-error';
import type { ActionDoc } from '../../common/entities/action';
import { entityKey, qualifiedPath, type QualifiedName } from '../../common/entities/entity-name';
import type { Identity } from '../../common/entities/identity';
import type { EntityStore, Stored } from '../../common/spi/entity-store';
import type { PackageResolver } from '../packages/package-resolver';

// How a sequence's component names become runnable actions, for the checks at PUT and the run at
// invoke. A component must be readable by the namespace asking (its own actions, and actions in
// packages it may read: public ones, its bindings), as OpenWhisk checks the components'
// entitlement along with the sequence's; one it may not read answers 403, one that is not there
// is `undefined` (the caller says "Sequence component does not exist.").

export interface ResolvedComponent {
  /** The action with package (and binding) parameters merged under its own. */
  readonly action: Stored<ActionDoc>;
  /** Where the action lives (`ns` or the provider's `ns/pkg`) and its name: what the invoker fetches. */
  readonly actionNamespace: string;
  readonly actionName: string;
  /** `ns/binding` when the name went through a binding. */
  readonly binding?: string;
}

export type ComponentResolver = (name: QualifiedName, asNamespace: string) => Promise<ResolvedComponent | undefined>;

/** Plain store reads: actions outside packages, in the asking namespace only (unit tests, no packages). */
export function storeComponentResolver(store: EntityStore): ComponentResolver {
  return async (name, asNamespace) => {
    if (name.namespace !== asNamespace) throw forbidden(name);
    const stored = await store.get<ActionDoc>(name.namespace, entityKey(name));
    if (stored?.doc.entityType !== 'action') return undefined;
    return { action: stored, actionNamespace: name.pkg ? `${name.namespace}/${name.pkg}` : name.namespace, actionName: name.name };
  };
}

/** Through packages and bindings, with the package resolver's entitlement rules. */
export function packageComponentResolver(store: EntityStore, packages: PackageResolver): ComponentResolver {
  const plain = storeComponentResolver(store);
  return async (name, asNamespace) => {
    if (!name.pkg) return plain(name, asNamespace);
    const identity: Identity = { subject: asNamespace, namespace: asNamespace, uuid: '', authKey: '' };
    try {
      const resolved = await packages.action(identity, name.namespace, name.pkg, name.name);
      return { action: resolved.action, actionNamespace: resolved.actionNamespace, actionName: resolved.actionName, ...(resolved.bindingPath ? { binding: resolved.bindingPath } : {}) };
    } catch (err) {
      if (isPlatformError(err) && err.status !== 403) return undefined;
      throw err;
    }
  };
}

function forbidden(name: QualifiedName): PlatformError {
  return new PlatformError('entity-not-authorized', Messages.notAuthorized(qualifiedPath(name)));
}
