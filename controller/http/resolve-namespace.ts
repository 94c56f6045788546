import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { validateNamespace } from '../../common/entities/entity-name';
import type { Identity } from '../../common/entities/identity';

/** `_` means the caller's namespace; any other namespace must be the caller's own (until shared packages exist). */
export function resolveNamespace(segment: string, identity: Identity, resource: string): string {
  if (segment === '_') return identity.namespace;
  validateNamespace(segment);
  if (segment !== identity.namespace) throw new PlatformError('namespace-not-authorized', Messages.notAuthorized(`${segment}/${resource}`));
  return segment;
}
