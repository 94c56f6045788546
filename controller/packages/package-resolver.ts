import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import type { ActionDoc } from '../../common/entities/action';
import { entityKey } from '../../common/entities/entity-name';
import type { Identity } from '../../common/entities/identity';
import { boundPackage, overlayParameters, type PackageDoc } from '../../common/entities/package';
import type { KeyValue } from '../../common/entities/parameters';
import type { EntityStore, Stored } from '../../common/spi/entity-store';

// Who may read a package, and what a path through a package means (ENT/PackageCollection.scala,
// CTL/Actions.scala): a real package is readable by its owner, and by everyone when published;
// a binding only by its owner, and only while the package it refers to is readable too.
// Reading `ns/pkg/action` needs READ on the package; writing it needs to own a real package.
// A package a caller may not see answers 403 whether it exists or not, so nothing leaks.

export interface ResolvedPackage {
  /** The package or binding at the requested path. */
  readonly stored: Stored<PackageDoc>;
  /** The package that holds the actions: the same one, or the one the binding refers to. */
  readonly provider: PackageDoc;
  /** The provider's parameters overlaid by the binding's. */
  readonly parameters: readonly KeyValue[];
  /** `ns/binding` when the path went through a binding. */
  readonly bindingPath?: string;
}

export interface ResolvedAction {
  /** The stored action with package (and binding) parameters merged under its own. */
  readonly action: Stored<ActionDoc>;
  /** Where the action lives: the provider's `ns/pkg`. */
  readonly actionNamespace: string;
  readonly actionName: string;
  readonly bindingPath?: string;
}

/** The namespaces an identity owns. One today; kept in one place for when a key may act in several. */
export function ownsNamespace(identity: Identity, namespace: string): boolean {
  return identity.namespace === namespace;
}

export function forbidden(path: string): PlatformError {
  return new PlatformError('entity-not-authorized', Messages.notAuthorized(path));
}

export class PackageResolver {
  constructor(private readonly store: EntityStore) {}

  /** READ on package `namespace/name`, following a binding to the package it refers to. */
  async readable(identity: Identity, namespace: string, name: string): Promise<ResolvedPackage> {
    const owner = ownsNamespace(identity, namespace);
    const path = `${namespace}/${name}`;
    const stored = await this.store.get<PackageDoc>(namespace, name);
    if (!stored) throw owner ? new PlatformError('package-not-found', Messages.resourceDoesNotExist) : forbidden(path);
    if (stored.doc.entityType !== 'package') throw owner ? new PlatformError('entity-in-other-collection', Messages.wrongCollection) : forbidden(path);
    const doc = stored.doc;
    const target = boundPackage(doc);
    if (!target) {
      if (!doc.publish && !owner) throw forbidden(path);
      return { stored, provider: doc, parameters: doc.parameters };
    }
    if (!owner) throw forbidden(path);
    const targetOwner = ownsNamespace(identity, target.namespace);
    const provider = await this.store.get<PackageDoc>(target.namespace, target.name);
    // Bindings to bindings are refused when written; one met here (its target was replaced since)
    // is followed no further, as if the package were gone.
    if (!provider || (provider.doc.entityType === 'package' && boundPackage(provider.doc))) throw targetOwner ? new PlatformError('package-not-found', Messages.resourceDoesNotExist) : forbidden(path);
    if (provider.doc.entityType !== 'package') throw targetOwner ? new PlatformError('entity-in-other-collection', Messages.wrongCollection) : forbidden(path);
    if (!provider.doc.publish && !targetOwner) throw forbidden(path);
    return { stored, provider: provider.doc, parameters: overlayParameters(provider.doc.parameters, doc.parameters), bindingPath: path };
  }

  /** An action in a package as `identity` may read or invoke it, package parameters merged under its own. */
  async action(identity: Identity, namespace: string, pkg: string, name: string): Promise<ResolvedAction> {
    const resolved = await this.readable(identity, namespace, pkg);
    const provider = resolved.provider;
    const stored = await this.store.get<ActionDoc>(provider.namespace, entityKey({ pkg: provider.name, name }));
    if (!stored) throw new PlatformError('action-not-found', Messages.resourceDoesNotExist);
    if (stored.doc.entityType !== 'action') throw new PlatformError('entity-in-other-collection', Messages.wrongCollection);
    const parameters = overlayParameters(resolved.parameters, stored.doc.parameters);
    return {
      action: { revision: stored.revision, doc: { ...stored.doc, parameters } },
      actionNamespace: `${provider.namespace}/${provider.name}`,
      actionName: name,
      ...(resolved.bindingPath ? { bindingPath: resolved.bindingPath } : {}),
    };
  }

  /** PUT or DELETE of `namespace/pkg/name`: only the owner, only inside a real package. */
  async assertWritable(identity: Identity, namespace: string, pkg: string, name: string): Promise<void> {
    if (!ownsNamespace(identity, namespace)) throw forbidden(`${namespace}/${pkg}/${name}`);
    const stored = await this.store.get<PackageDoc>(namespace, pkg);
    if (!stored) throw new PlatformError('package-not-found', Messages.resourceDoesNotExist);
    if (stored.doc.entityType !== 'package') throw new PlatformError('entity-in-other-collection', Messages.wrongCollection);
    if (boundPackage(stored.doc)) throw new PlatformError('binding-operation-not-allowed', Messages.notAllowedOnBinding);
  }
}
