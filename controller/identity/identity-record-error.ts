import { validateNamespace } from '../../common/entities/entity-name';
import { subjectProblem } from '../../common/entities/identity';
import { brandedError, brandGuard } from '../../common/protocol/branded-error';

// What the admin command tells its user when an identity write is refused; each problem maps to
// one exit message there.

export type IdentityProblem =
  | 'invalid-argument'
  | 'subject-not-found'
  | 'namespace-not-found'
  | 'namespace-exists'
  | 'namespace-taken'
  | 'uuid-taken'
  | 'key-not-found'
  | 'concurrent-modification';

export class IdentityRecordError extends brandedError('IdentityRecordError') {
  constructor(
    readonly problem: IdentityProblem,
    message: string,
  ) {
    super(message);
  }
}

export const isIdentityRecordError = brandGuard(IdentityRecordError);

export function checkSubject(subject: string): void {
  const problem = subjectProblem(subject);
  if (problem) throw new IdentityRecordError('invalid-argument', problem);
}

export function checkNamespace(namespace: string): void {
  try {
    validateNamespace(namespace);
  } catch {
    throw new IdentityRecordError('invalid-argument', `namespace '${namespace.slice(0, 80)}' is not valid: use letters, digits and '_', with '@', '.', '&', '-' or space inside, at most 256 characters`);
  }
}

export function namespaceNotFound(namespace: string): IdentityRecordError {
  return new IdentityRecordError('namespace-not-found', `namespace '${namespace}' does not exist`);
}
