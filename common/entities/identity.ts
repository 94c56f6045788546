import type { NamespaceLimits } from './namespace-limits';

// An authenticated subject and the namespace it acts in. A subject owns one or more namespaces,
// each with one or more keys (`uuid:key`). Keys are stored as a salted hash and compared in
// constant time; the clear key exists only in the caller's credentials.
//
// Identity records live in the entity store under pseudo-namespaces no user can name (the
// namespace pattern forbids '!'), all with entityType 'identity':
//   !identities/<uuid>        IdentityDoc   one key: what authentication reads
//   !subjects/<subject>       SubjectDoc    the namespaces a subject owns
//   !namespaces/<namespace>   NamespaceDoc  the owner and the uuids of a namespace's keys
//   !limits/<namespace>       LimitsDoc     the namespace's own limits, merged over the system's

export const IDENTITY_RECORDS = {
  keys: '!identities',
  subjects: '!subjects',
  namespaces: '!namespaces',
  limits: '!limits',
} as const;

export interface Identity {
  readonly subject: string;
  readonly namespace: string;
  readonly uuid: string;
  /** The caller's own `uuid:key`, kept only in memory to hand to actions as __OW_API_KEY. */
  readonly authKey: string;
}

export interface IdentityDoc {
  readonly entityType: 'identity';
  readonly subject: string;
  readonly namespace: string;
  readonly uuid: string;
  readonly keySalt: string;
  readonly keyHash: string;
  readonly revoked?: boolean;
  /** Epoch ms when the key was issued. */
  readonly created?: number;
}

export interface SubjectDoc {
  readonly entityType: 'identity';
  readonly record: 'subject';
  readonly subject: string;
  readonly namespaces: readonly string[];
}

export interface NamespaceDoc {
  readonly entityType: 'identity';
  readonly record: 'namespace';
  readonly namespace: string;
  readonly subject: string;
  /** The uuids of the namespace's keys, oldest first. */
  readonly keys: readonly string[];
}

export interface LimitsDoc {
  readonly entityType: 'identity';
  readonly record: 'limits';
  readonly namespace: string;
  readonly limits: NamespaceLimits;
}

// OpenWhisk's Subject requires at least 5 characters; the characters are those of a name so a
// subject can double as its first namespace.
const SUBJECT_PATTERN = /^[\w@.-]{5,256}$/;

export function subjectProblem(subject: string): string | undefined {
  if (SUBJECT_PATTERN.test(subject)) return undefined;
  if (subject.length < 5) return `subject '${subject}' is too short: a subject has at least 5 characters`;
  return `subject '${subject.slice(0, 64)}' is not valid: use 5 to 256 letters, digits, '_', '@', '.' or '-'`;
}
