import { annotation } from '../common/entities/parameters';
import type { ActivationMessage } from '../common/protocol/activation-message';
import type { ActivationContext, InitPayload, RunPayload } from '../common/protocol/runtime-protocol';
import type { RunnableAction } from './action-cache';
import { actionPath } from './activation-record';

// The bodies an invoker sends to a runtime's /init and /run, field for field as OpenWhisk's
// ContainerProxy builds them.

export function initPayload(message: ActivationMessage, action: RunnableAction, startedAt: number): InitPayload {
  const env: Record<string, string> = {};
  for (const p of action.parameters) if (p.init) env[p.key] = stringifyEnv(p.value);
  for (const [key, value] of Object.entries(activationContext(message, action, startedAt))) env[`__OW_${key.toUpperCase()}`] = value;
  return {
    value: {
      name: message.action.name,
      main: action.exec.main ?? 'main',
      // A code-less blackbox gets an /init without code, as OpenWhisk sends it.
      ...(action.exec.code !== undefined ? { code: action.exec.code } : {}),
      binary: action.exec.binary,
      env,
    },
  };
}

export function runPayload(message: ActivationMessage, action: RunnableAction, startedAt: number): RunPayload {
  return { value: message.content, ...activationContext(message, action, startedAt) };
}

function activationContext(message: ActivationMessage, action: RunnableAction, startedAt: number): ActivationContext {
  const context: ActivationContext = {
    namespace: message.user.namespace,
    action_name: `/${actionPath(message)}`,
    action_version: message.action.version,
    activation_id: message.activationId,
    transaction_id: message.transid,
    deadline: String(startedAt + message.limits.timeout),
  };
  // Every action is hostile code: the caller's key goes only to an action that asked for it
  // with `provide-api-key: true`, system actions included (a missing annotation means no).
  return providesApiKey(action) ? { ...context, api_key: message.user.authKey } : context;
}

export function providesApiKey(action: Pick<RunnableAction, 'annotations'>): boolean {
  return annotation(action.annotations, 'provide-api-key') === true;
}

function stringifyEnv(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
