import { FIRE_ID_HEADER } from '../common/feeds/registration';
import type { FireAnswer } from './fire-verdict';

// The triggers service talks to the platform only through the controller's REST API, with the
// registration's own key, so a fire is entitled, throttled and recorded as any other (DESIGN §9).

export interface TriggerClient {
  /** POST /namespaces/{ns}/triggers/{name} with the tick's fire id; the HTTP status, or 'unreachable'. */
  fire(auth: string, namespace: string, trigger: string, payload: Record<string, unknown>, fireId: string): Promise<FireAnswer>;
  /** Deletes the trigger, and first its rules when `withRules` (a `once` feed's deleteAfterFire). */
  deleteTrigger(auth: string, namespace: string, trigger: string, withRules: boolean): Promise<void>;
}

export function createTriggerClient(apiUrl: string, timeoutMs: number): TriggerClient {
  const base = apiUrl.replace(/\/+$/, '');
  const call = async (auth: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  const triggerPath = (namespace: string, trigger: string) => `/namespaces/${encodeURIComponent(namespace)}/triggers/${encodeURIComponent(trigger)}`;
  return {
    async fire(auth, namespace, trigger, payload, fireId) {
      try {
        const response = await call(auth, 'POST', triggerPath(namespace, trigger), payload, { [FIRE_ID_HEADER]: fireId });
        await response.arrayBuffer();
        return response.status;
      } catch {
        return 'unreachable';
      }
    },
    async deleteTrigger(auth, namespace, trigger, withRules) {
      if (withRules) {
        const response = await call(auth, 'GET', triggerPath(namespace, trigger));
        const doc = response.ok ? ((await response.json()) as { rules?: Record<string, unknown> }) : {};
        for (const qualified of Object.keys(doc.rules ?? {})) {
          const [ruleNamespace, rule] = qualified.split('/');
          if (!ruleNamespace || !rule) continue;
          const rulePath = `/namespaces/${encodeURIComponent(ruleNamespace)}/rules/${encodeURIComponent(rule)}`;
          await (await call(auth, 'POST', rulePath, { status: 'inactive' })).arrayBuffer();
          await (await call(auth, 'DELETE', rulePath)).arrayBuffer();
        }
      }
      await (await call(auth, 'DELETE', triggerPath(namespace, trigger))).arrayBuffer();
    },
  };
}
