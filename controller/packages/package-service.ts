import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import type { ActionDoc } from '../../common/entities/action';
import { entityKey } from '../../common/entities/entity-name';
import type { Identity } from '../../common/entities/identity';
import { RESERVED_PACKAGE_NAMES, boundPackage, type PackageBinding, type PackageDoc } from '../../common/entities/package';
import type { EntityStore, ListOptions, Stored } from '../../common/spi/entity-store';
import { actionsInPackage, listAll } from './package-contents';
import { buildPackage, parsePackageInput } from './package-input';
import { forbidden, ownsNamespace } from './package-resolver';
import { conflictFor } from '../entities/store-conflicts';

// Package and binding CRUD over the EntityStore with OpenWhisk's answers (CTL/Packages.scala).
// Reads for callers other than the owner go through PackageResolver, which owns the entitlement
// rules; this service writes, deletes and lists.

// A forced delete empties the package, then looks again: someone may have added an action in
// between. It gives up (409) rather than race a writer for ever.
const FORCE_DELETE_ROUNDS = 3;

export class PackageService {
  constructor(
    private readonly store: EntityStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Create (or, with `overwrite`, update) `namespace/name`; the caller owns `namespace`. */
  async put(identity: Identity, namespace: string, name: string, body: Record<string, unknown>, overwrite: boolean): Promise<PackageDoc> {
    if (!ownsNamespace(identity, namespace)) throw forbidden(`${namespace}/${name}`);
    if (RESERVED_PACKAGE_NAMES.includes(name)) throw new PlatformError('package-name-reserved', Messages.packageNameReserved(name));
    const input = parsePackageInput(body, namespace);
    if (input.binding) await this.checkBindingTarget(identity, input.binding);
    const existing = await this.store.get<PackageDoc>(namespace, name);
    if (existing && existing.doc.entityType !== 'package') throw new PlatformError('entity-in-other-collection', Messages.wrongCollection);
    if (existing && !overwrite) throw new PlatformError('entity-exists', Messages.resourceExists);
    const doc = buildPackage(input, { namespace, name, now: this.now() }, existing?.doc);
    const outcome = await this.store.put(namespace, name, doc, existing ? existing.revision : null);
    if (!outcome.ok) throw conflictFor(outcome);
    return doc;
  }

  /** Deletes a binding, or a package that is empty (or emptied first, with `force`). */
  async delete(identity: Identity, namespace: string, name: string, force: boolean): Promise<PackageDoc> {
    if (!ownsNamespace(identity, namespace)) throw forbidden(`${namespace}/${name}`);
    const stored = await this.store.get<PackageDoc>(namespace, name);
    if (!stored) throw new PlatformError('package-not-found', Messages.resourceDoesNotExist);
    if (stored.doc.entityType !== 'package') throw new PlatformError('entity-in-other-collection', Messages.wrongCollection);
    if (!boundPackage(stored.doc)) await this.empty(namespace, name, force);
    if (!(await this.store.delete(namespace, name, stored.revision))) throw new PlatformError('revision-conflict', Messages.concurrentModification);
    return stored.doc;
  }

  /** The owner sees every package and binding; anyone else the published packages only. */
  async list(identity: Identity, namespace: string, options: ListOptions): Promise<PackageDoc[]> {
    if (ownsNamespace(identity, namespace)) return (await this.store.list<PackageDoc>(namespace, 'package', options)).map((s) => s.doc);
    const visible = await this.publicPackages(namespace);
    return visible.slice(options.skip, options.skip + options.limit).map((s) => s.doc);
  }

  async count(identity: Identity, namespace: string): Promise<number> {
    if (ownsNamespace(identity, namespace)) return this.store.count(namespace, 'package');
    return (await this.publicPackages(namespace)).length;
  }

  /** The actions inside package `namespace/name`, newest-updated first. */
  async actionsIn(namespace: string, name: string): Promise<ActionDoc[]> {
    return (await actionsInPackage(this.store, namespace, name)).map((s) => s.doc);
  }

  private publicPackages(namespace: string): Promise<Stored<PackageDoc>[]> {
    return listAll<PackageDoc>(this.store, namespace, 'package', (doc) => doc.publish && !boundPackage(doc));
  }

  /** OpenWhisk checks READ on the bound package, then that it is a package and not a binding. */
  private async checkBindingTarget(identity: Identity, binding: PackageBinding): Promise<void> {
    const owner = ownsNamespace(identity, binding.namespace);
    const denied = forbidden(`${binding.namespace}/${binding.name}`);
    const target = await this.store.get<PackageDoc>(binding.namespace, binding.name);
    if (!target) throw owner ? new PlatformError('binding-target-not-found', Messages.bindingDoesNotExist) : denied;
    if (target.doc.entityType !== 'package') throw owner ? new PlatformError('binding-target-not-a-package', Messages.bindingNotAPackage) : denied;
    if (boundPackage(target.doc)) throw owner ? new PlatformError('binding-of-binding', Messages.bindingCannotReferenceBinding) : denied;
    if (!target.doc.publish && !owner) throw denied;
  }

  private async empty(namespace: string, name: string, force: boolean): Promise<void> {
    for (let round = 0; ; round++) {
      const contents = await actionsInPackage(this.store, namespace, name);
      if (contents.length === 0) return;
      if (!force || round >= FORCE_DELETE_ROUNDS) throw new PlatformError('package-not-empty', Messages.packageNotEmpty(contents.length));
      for (const { doc } of contents) await this.store.delete(namespace, entityKey({ pkg: name, name: doc.name }));
    }
  }
}
