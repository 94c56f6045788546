import type { ActivationResponse } from '../../common/entities/activation';
import { isValidName, type QualifiedName } from '../../common/entities/entity-name';
import { parseQualifiedName } from './sequence-components';

// The pure part of a conductor action's composition (OpenWhisk's PrimitiveActions.scala,
// reference §7.3): what a conductor turn's response asks for next, and what the next turn
// receives. The runner (sequence-runner.ts) does the invoking and the recording.

export type ConductorDecision =
  /** Run `action` with `params`; `state` is merged into the conductor's next input. */
  | { readonly kind: 'next'; readonly action: string; readonly params: Record<string, unknown>; readonly state: Record<string, unknown> | undefined }
  /** The composition ends with this response. */
  | { readonly kind: 'end'; readonly response: ActivationResponse }
  /** The conductor asked for a next step in a shape that cannot be run. */
  | { readonly kind: 'malformed'; readonly reason: string };

/** A non-object value is boxed as OpenWhisk does: `{[field]: value}`. */
function boxed(value: unknown, field: string): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : { [field]: value };
}

export function conductorDecision(response: ActivationResponse): ConductorDecision {
  // A conductor that fails ends the composition with its own status and result.
  if (response.statusCode !== 0) return { kind: 'end', response };
  const result = response.result;
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return { kind: 'end', response };
  const fields = result as Record<string, unknown>;
  const params = 'params' in fields ? boxed(fields.params, 'value') : undefined;
  if (!('action' in fields)) return { kind: 'end', response: { statusCode: 0, result: params ?? fields } };
  const action = fields.action;
  if (typeof action !== 'string' || action.trim() === '') return { kind: 'malformed', reason: `its "action" is ${JSON.stringify(action) ?? 'undefined'}, not an action name` };
  const state = 'state' in fields && fields.state !== undefined ? boxed(fields.state, 'state') : undefined;
  return { kind: 'next', action, params: params ?? {}, state };
}

/** The conductor's next input: the component's result (an object, else nothing) with the saved state over it. */
export function conductorInput(componentResult: unknown, state: Record<string, unknown> | undefined): Record<string, unknown> {
  const result = typeof componentResult === 'object' && componentResult !== null && !Array.isArray(componentResult) ? (componentResult as Record<string, unknown>) : {};
  return state ? { ...result, ...state } : result;
}

/**
 * A conductor's `action` as OpenWhisk resolves it (FullyQualifiedEntityName.resolveName): `name`
 * and `pkg/name` in the caller's namespace, `/ns/name` and `/ns/pkg/name` as written (`_` is the
 * caller's). Undefined when malformed.
 */
export function resolveConductorName(text: string, callerNamespace: string): QualifiedName | undefined {
  if (text.startsWith('/')) return parseQualifiedName(text, callerNamespace);
  const segments = text.split('/');
  if (segments.length > 2 || !segments.every(isValidName)) return undefined;
  const [first, second] = segments as [string, string | undefined];
  return second === undefined ? { namespace: callerNamespace, name: first } : { namespace: callerNamespace, pkg: first, name: second };
}
