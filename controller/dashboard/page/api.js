// The REST API as the page calls it: same origin, the namespace key as basic auth. The key lives
// in this module's memory only, never in the page, a URL or web storage: a web action's HTML is
// served from the same origin, and a hostile tenant's page opened in this tab could read
// sessionStorage or localStorage. A reload asks for the key again.

let key = null;

/** Thrown for a 401: the key is wrong or revoked, so the page asks for one again. */
export class SignedOut extends Error {}

export const storedKey = () => key;
export const storeKey = (given) => {
  key = given;
};
export const forgetKey = () => {
  key = null;
};

async function call(key, method, path, body) {
  const headers = { Accept: 'application/json', Authorization: `Basic ${btoa(key)}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, credentials: 'omit', cache: 'no-store', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (response.status === 401) throw new SignedOut('The key was refused.');
  const answer = await response.json().catch(() => undefined);
  if (!response.ok) throw new Error(answer && typeof answer.error === 'string' ? answer.error : `HTTP ${response.status}`);
  return answer;
}

const ns = '/api/v1/namespaces/_';
const seg = (name) => name.split('/').map(encodeURIComponent).join('/');

export function api(key) {
  return {
    namespaces: () => call(key, 'GET', '/api/v1/namespaces'),
    list: (collection) => call(key, 'GET', `${ns}/${collection}?limit=200`),
    /** One page of activation summaries started at or after `since`, newest first. */
    activations: (since, cursor) => call(key, 'GET', `${ns}/activations?paged=true&limit=200&since=${since}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
    activation: (id) => call(key, 'GET', `${ns}/activations/${encodeURIComponent(id)}`),
    /** `name` is 'action' or 'package/action'. */
    invoke: (name, params) => call(key, 'POST', `${ns}/actions/${seg(name)}?blocking=false`, params),
    invokers: () => call(key, 'GET', '/dashboard/invokers.json'),
  };
}
