import { Messages } from '../errors/messages';
import { PlatformError } from '../errors/platform-error';

// OpenWhisk's entity name rule (ENTITY/EntityPath.scala): word characters, and inside the name
// also `@ . & -` and space; at most 256 characters per segment.

const NAME_PATTERN = /^(?:\w|\w[\w@ .&-]{0,254}[\w@.&-])$/;
export const MAX_NAME_LENGTH = 256;

export function isValidName(segment: string): boolean {
  return segment.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(segment);
}

export function validateEntityName(segment: string): string {
  if (segment.length > MAX_NAME_LENGTH) throw new PlatformError('entity-name-invalid', Messages.nameTooLong(segment.length));
  if (!NAME_PATTERN.test(segment)) throw new PlatformError('entity-name-invalid', Messages.illegalEntityName);
  return segment;
}

export function validateNamespace(segment: string): string {
  if (segment.length > MAX_NAME_LENGTH) throw new PlatformError('namespace-name-invalid', Messages.nameTooLong(segment.length));
  if (!NAME_PATTERN.test(segment)) throw new PlatformError('namespace-name-invalid', Messages.illegalNamespace);
  return segment;
}

/** A fully qualified entity name: `namespace/name` or `namespace/package/name`. */
export interface QualifiedName {
  readonly namespace: string;
  readonly pkg?: string;
  readonly name: string;
}

/** The path without a leading slash, as activation annotations carry it: `ns/pkg/name`. */
export function qualifiedPath(q: QualifiedName): string {
  return q.pkg ? `${q.namespace}/${q.pkg}/${q.name}` : `${q.namespace}/${q.name}`;
}

/** The entity's key within its namespace: `name` or `pkg/name`. */
export function entityKey(q: Pick<QualifiedName, 'pkg' | 'name'>): string {
  return q.pkg ? `${q.pkg}/${q.name}` : q.name;
}
