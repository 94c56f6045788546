// The feed actions of /whisk.system/alarms (alarm, interval, once) and /whisk.system/messaging
// (kafkaFeed, natsFeed): one source, told apart by the action's own name. As OpenWhisk's alarm.js maps each lifecycle event onto a web action, this
// maps it onto Wisp's registration route of the trigger (ADR 0017), authenticated with the
// authKey the client passed, so only a key that may fire the trigger can register a feed on it.

const METHODS = { CREATE: 'POST', READ: 'GET', UPDATE: 'PUT', DELETE: 'DELETE', PAUSE: 'POST', UNPAUSE: 'POST' };
const SUFFIX = { PAUSE: '/paused', UNPAUSE: '/active' };
const LIFECYCLE = ['lifecycleEvent', 'triggerName', 'authKey'];

async function main(params) {
  const event = params.lifecycleEvent;
  const method = typeof event === 'string' && Object.hasOwn(METHODS, event) ? METHODS[event] : undefined;
  if (!method) return fail(400, `unsupported lifecycleEvent '${event}': one of ${Object.keys(METHODS).join(', ')}`);
  const trigger = parseTriggerName(params.triggerName);
  if (!trigger) return fail(400, `triggerName must be '/namespace/name', but was '${params.triggerName}'`);
  if (typeof params.authKey !== 'string' || !params.authKey.includes(':')) return fail(400, 'authKey must be the uuid:key that may fire the trigger');

  const feed = String(process.env.__OW_ACTION_NAME || '').split('/').pop();
  const body = { feed };
  for (const [key, value] of Object.entries(params)) if (!LIFECYCLE.includes(key)) body[key] = value;
  const host = String(process.env.__OW_API_HOST || '').replace(/\/+$/, '');
  const url = `${host}/api/v1/namespaces/${encodeURIComponent(trigger.namespace)}/triggers/${encodeURIComponent(trigger.name)}/registration${Object.hasOwn(SUFFIX, event) ? SUFFIX[event] : ''}`;
  const response = await fetch(url, {
    method,
    headers: { authorization: `Basic ${Buffer.from(params.authKey).toString('base64')}`, 'content-type': 'application/json' },
    ...(event === 'CREATE' || event === 'UPDATE' ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let answer;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = { error: text };
  }
  if (!response.ok) return fail(response.status, answer.error || `the registration answered ${response.status}`, answer.code);
  return answer;
}

function parseTriggerName(name) {
  const parts = typeof name === 'string' ? name.split('/') : [];
  if (parts.length === 3 && parts[0] === '' && parts[1] && parts[2]) return { namespace: parts[1], name: parts[2] };
  if (parts.length === 1 && parts[0]) return { namespace: '_', name: parts[0] };
  return undefined;
}

// An `error` result makes the activation an application error, so the client sees the feed fail
// (and `wsk` deletes the trigger it just made). Shaped as OpenWhisk's alarm feed rejects, with the
// refusal's body under `error`: clients show `error.error`, and `statusCode` says which 4xx it was.
function fail(statusCode, message, code) {
  return { error: { statusCode, error: message, ...(code ? { code } : {}) } };
}

exports.main = main;
