import { validateNamespace } from '../../common/entities/entity-name';
import type { Identity } from '../../common/entities/identity';

/**
 * The namespace a path names: `_` means the caller's. Unlike resolveNamespace it admits other
 * namespaces, for the routes where entitlement depends on the entity (public packages), and
 * leaves the check to them.
 */
export function pathNamespace(segment: string, identity: Identity): string {
  return segment === '_' ? identity.namespace : validateNamespace(segment);
}
