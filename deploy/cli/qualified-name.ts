import { CliUsageError } from './cli-error';

// OpenWhisk's entity names as wsk reads them: `name`, `pkg/name`, `/ns/name`, `/ns/pkg/name`.
// A name without a leading slash lives in the default namespace.

export interface QualifiedName {
  readonly namespace: string;
  /** `name` or `pkg/name`. */
  readonly entity: string;
}

export function parseQualifiedName(name: string, defaultNamespace: string): QualifiedName {
  if (name.startsWith('/')) {
    const parts = name.slice(1).split('/');
    if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) throw invalid(name);
    return { namespace: parts[0]!, entity: parts.slice(1).join('/') };
  }
  const parts = name.split('/');
  if (parts.length > 2 || parts.some((p) => p === '')) throw invalid(name);
  return { namespace: defaultNamespace, entity: name };
}

/** `/ns/entity`, the form rules and sequences store. */
export function fullyQualified(name: QualifiedName): string {
  return `/${name.namespace}/${name.entity}`;
}

/** Each segment escaped for a URL path. */
export function entityPath(entity: string): string {
  return entity.split('/').map(encodeURIComponent).join('/');
}

function invalid(name: string): CliUsageError {
  return new CliUsageError(`'${name}' is not a valid qualified name: use NAME, PACKAGE/NAME, /NAMESPACE/NAME or /NAMESPACE/PACKAGE/NAME.`);
}
