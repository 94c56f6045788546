import { MAX_SEQUENCE_LENGTH } from '../../common/entities/action';
import { isValidName, type QualifiedName } from '../../common/entities/entity-name';
import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';

// A sequence's components as OpenWhisk reads them (ENTITY/Exec.scala SequenceExec,
// FullyQualifiedEntityName): `/ns/action` or `/ns/pkg/action` (the leading slash optional),
// `_` standing for the caller's namespace and resolved when the sequence is saved, so the
// stored names never depend on who invokes it later.

/** Parses and normalises `exec.components`; `callerNamespace` replaces `_`. */
export function parseComponents(raw: unknown, callerNamespace: string): string[] {
  if (raw === undefined || raw === null) throw new PlatformError('sequence-components-missing', Messages.sequenceNoComponents);
  if (!Array.isArray(raw)) throw new PlatformError('field-invalid', Messages.malformedContent(Messages.fieldType('exec.components', raw, 'an array of fully qualified action names')));
  if (raw.length === 0) throw new PlatformError('sequence-components-missing', Messages.sequenceNoComponents);
  if (raw.length > MAX_SEQUENCE_LENGTH) throw new PlatformError('sequence-too-long', Messages.sequenceTooLong);
  return raw.map((entry, index) => {
    const parsed = typeof entry === 'string' ? parseQualifiedName(entry, callerNamespace) : undefined;
    if (!parsed) throw new PlatformError('sequence-component-name-invalid', Messages.malformedContent(Messages.componentNameInvalid(index, entry)));
    return formatQualifiedName(parsed);
  });
}

/** `/ns/a`, `ns/a`, `/ns/pkg/a`; `_` as the namespace means `callerNamespace`. Undefined when malformed. */
export function parseQualifiedName(text: string, callerNamespace: string): QualifiedName | undefined {
  const segments = (text.startsWith('/') ? text.slice(1) : text).split('/');
  if (segments.length < 2 || segments.length > 3 || !segments.every(isValidName)) return undefined;
  const [first, second, third] = segments as [string, string, string | undefined];
  const namespace = first === '_' ? callerNamespace : first;
  return third === undefined ? { namespace, name: second } : { namespace, pkg: second, name: third };
}

/** `/ns/name` or `/ns/pkg/name`: the form OpenWhisk stores and answers. */
export function formatQualifiedName(q: QualifiedName): string {
  return q.pkg ? `/${q.namespace}/${q.pkg}/${q.name}` : `/${q.namespace}/${q.name}`;
}
