import { authProblem } from '../../common/entities/credentials';
import { isValidName } from '../../common/entities/entity-name';
import { subjectProblem } from '../../common/entities/identity';
import { LIMIT_FIELDS, limitValueProblem, type LimitField } from '../../common/entities/namespace-limits';
import { UsageError } from './usage-error';

// The checks on wisp-admin's argument values, each returning the value or throwing a UsageError
// in the words of the rule it broke.

export function checkSubject(subject: string): string {
  const problem = subjectProblem(subject);
  if (problem) throw new UsageError(problem);
  return subject;
}

export function checkNamespace(namespace: string, what = 'namespace'): string {
  if (!isValidName(namespace)) {
    throw new UsageError(`${what} '${namespace.slice(0, 80)}' is not valid: use letters, digits and '_', with '@', '.', '&', '-' or space inside, at most 256 characters`);
  }
  return namespace;
}

/** `{ auth }` when --auth was given, else nothing, so it spreads into a command. */
export function checkAuth(auth: string | undefined): { auth?: string } {
  if (auth === undefined) return {};
  const problem = authProblem(auth);
  if (problem) throw new UsageError(`--auth: ${problem}`);
  return { auth };
}

export function checkKeyUuid(uuid: string): string {
  if (!/^[\w-]{1,128}$/.test(uuid)) throw new UsageError(`'${uuid.slice(0, 80)}' is not a key uuid (give the uuid part of uuid:key only)`);
  return uuid;
}

/** A limit as typed on the command line → its stored value; 'default' → null (clears it). */
export function limitValue(field: LimitField, raw: string): unknown {
  if (raw === 'default') return null;
  const kind = LIMIT_FIELDS[field].kind;
  let value: unknown;
  if (kind === 'count' || kind === 'bound') value = /^\d{1,10}$/.test(raw) ? Number(raw) : raw;
  else if (kind === 'boolean') value = raw === 'true' ? true : raw === 'false' ? false : raw;
  else value = raw.trim() === '' ? [] : raw.split(',').map((k) => k.trim());
  const problem = limitValueProblem(field, value);
  if (problem) throw new UsageError(`--${problem}`);
  return value;
}
