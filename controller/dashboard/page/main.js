import { SignedOut, api, forgetKey, storeKey, storedKey } from './api.js';
import { ActivationWindow, startKind, statusWord } from './activations.js';
import { drawChart } from './chart.js';
import { el, fillTable, row, text } from './dom.js';

// The dashboard's one controller: sign-in, the first load, a poll every 1.5 s (activations and
// invokers; entities every few polls), invoke and the log view. A 401 anywhere signs out.

const POLL_MS = 1500;
const ENTITIES_EVERY = 5;
const SHOWN_ACTIVATIONS = 100;
/** At most this many pages of 200 on the first load of the hour. */
const FIRST_LOAD_PAGES = 10;

const $ = (id) => document.getElementById(id);
let session;

// A table is rebuilt only when what it shows changed, so a row under the pointer stays put.
const shown = new Map();
function changed(table, items) {
  const signature = JSON.stringify(items);
  if (shown.get(table) === signature) return false;
  shown.set(table, signature);
  return true;
}

function showSignin(message = '') {
  session?.stop();
  session = undefined;
  shown.clear();
  // Nothing of the last namespace stays on the page for whoever signs in next.
  for (const table of ['actions', 'triggers', 'rules', 'invokers', 'activations']) fillTable(table, []);
  for (const id of ['namespace', 'poll-state', 'invoke-state', 'logs-id', 'logs-lines', 'logs-result']) text(id, '');
  $('chart').replaceChildren();
  $('logs').hidden = true;
  $('dashboard').hidden = true;
  $('signin').hidden = false;
  text('signin-error', message);
  $('key').value = '';
  $('key').focus();
}

function signedOut(err) {
  if (!(err instanceof SignedOut)) return false;
  forgetKey();
  showSignin('That key was refused. Sign in with a valid namespace key.');
  return true;
}

async function signIn(key) {
  const client = api(key);
  let namespaces;
  try {
    namespaces = await client.namespaces();
  } catch (err) {
    if (signedOut(err)) return;
    showSignin(`Could not reach the API: ${err.message}`);
    return;
  }
  storeKey(key);
  $('key').value = '';
  text('signin-error', '');
  text('namespace', Array.isArray(namespaces) ? namespaces.join(', ') : '');
  $('signin').hidden = true;
  $('dashboard').hidden = false;
  session = startSession(client);
}

function startSession(client) {
  const window_ = new ActivationWindow();
  let stopped = false;
  let timer;
  let polls = 0;

  const report = (err) => {
    if (stopped || signedOut(err)) return;
    text('poll-state', `last poll failed: ${err.message}`);
  };

  const loadEntities = async () => {
    const [actions, triggers, rules] = await Promise.all([client.list('actions'), client.list('triggers'), client.list('rules')]);
    if (stopped) return;
    if (changed('actions', actions.map((a) => [a.namespace, a.name, a.version]))) renderActions(actions, client, () => poll());
    fillTable('triggers', triggers.map((t) => row([t.name, t.version])));
    fillTable('rules', rules.map((r) => row([r.name, qualified(r.trigger), qualified(r.action)])));
  };

  const loadInvokers = async () => {
    const invokers = await client.invokers();
    if (stopped) return;
    const census = (i, state) => (i.pool ? String(i.pool[state]) : '?');
    fillTable(
      'invokers',
      invokers.map((i) => row([i.invokerId, cell(i.state, `state-${i.state}`), `${i.freeMemoryMb} of ${i.userMemoryMb} MB`, i.gpus, ...['idle', 'prewarmed', 'paused', 'busy', 'starting'].map((state) => census(i, state))])),
    );
  };

  const loadActivations = async (pages) => {
    let cursor;
    const since = window_.since(Date.now());
    for (let page = 0; page < pages; page++) {
      const answer = await client.activations(since, cursor);
      window_.merge(answer.activations, Date.now());
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    // An answer that comes after a sign-out is not shown.
    if (stopped) return;
    const list = window_.list();
    if (changed('activations', list.slice(0, SHOWN_ACTIVATIONS).map((a) => [a.activationId, a.statusCode, a.duration]))) renderActivations(list, client);
    drawChart($('chart'), list, Date.now());
  };

  // One poll at a time: an invoke asks for one now, which runs after the one in flight.
  let running = false;
  let again = false;
  async function poll() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    clearTimeout(timer);
    try {
      const first = polls === 0;
      const work = [loadActivations(first ? FIRST_LOAD_PAGES : 1), loadInvokers()];
      if (polls++ % ENTITIES_EVERY === 0) work.push(loadEntities());
      await Promise.all(work);
      if (!stopped) text('poll-state', `updated ${new Date().toLocaleTimeString()}`);
    } catch (err) {
      report(err);
    }
    running = false;
    if (stopped) return;
    if (again) {
      again = false;
      void poll();
      return;
    }
    timer = setTimeout(poll, POLL_MS);
  }

  void poll();

  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

const qualified = (ref) => (ref && typeof ref === 'object' ? [ref.path, ref.name].filter(Boolean).join('/') : String(ref ?? ''));

function cell(value, className) {
  return el('td', { class: className }, String(value ?? ''));
}

/** 'name' or 'package/name', from a list entry whose namespace is 'ns' or 'ns/package'. */
function actionPath(action) {
  const parts = String(action.namespace ?? '').split('/');
  return parts.length > 1 ? `${parts.slice(1).join('/')}/${action.name}` : action.name;
}

function renderActions(actions, client, refresh) {
  fillTable(
    'actions',
    actions.map((action) => {
      const name = actionPath(action);
      const button = el('button', { type: 'button', class: 'invoke', 'data-action': name }, 'invoke');
      button.addEventListener('click', () => invoke(client, name, refresh));
      return row([name, action.version, button], { 'data-action': name });
    }),
  );
}

async function invoke(client, name, refresh) {
  let params;
  try {
    params = JSON.parse($('params').value || '{}');
  } catch (err) {
    text('invoke-state', `parameters are not JSON: ${err.message}`);
    return;
  }
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    text('invoke-state', 'parameters must be a JSON object');
    return;
  }
  try {
    const answer = await client.invoke(name, params);
    text('invoke-state', `invoked ${name}: activation ${answer.activationId}`);
    refresh();
  } catch (err) {
    if (!signedOut(err)) text('invoke-state', `invoke ${name} failed: ${err.message}`);
  }
}

function renderActivations(activations, client) {
  fillTable(
    'activations',
    activations.slice(0, SHOWN_ACTIVATIONS).map((a) => {
      const status = statusWord(a);
      const tr = el(
        'tr',
        { 'data-id': a.activationId },
        el('td', {}, new Date(a.start).toLocaleTimeString()),
        el('td', {}, String(a.name ?? '')),
        el('td', {}, el('code', {}, a.activationId)),
        cell(status.replace('_', ' '), `status-${status}`),
        el('td', {}, typeof a.duration === 'number' ? `${a.duration} ms` : ''),
        el('td', {}, startKind(a)),
      );
      tr.addEventListener('click', () => showLogs(client, a.activationId));
      return tr;
    }),
  );
}

async function showLogs(client, id) {
  try {
    const record = await client.activation(id);
    if (!session) return;
    text('logs-id', id);
    text('logs-lines', Array.isArray(record.logs) && record.logs.length > 0 ? record.logs.join('\n') : '(no log lines)');
    text('logs-result', JSON.stringify(record.response?.result ?? null, null, 2));
    $('logs').hidden = false;
    $('logs').scrollIntoView({ block: 'nearest' });
  } catch (err) {
    if (!signedOut(err)) text('poll-state', `could not read activation ${id}: ${err.message}`);
  }
}

$('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const key = $('key').value.trim();
  if (key) void signIn(key);
});
$('signout').addEventListener('click', () => {
  forgetKey();
  showSignin();
});
$('logs-close').addEventListener('click', () => {
  $('logs').hidden = true;
});

const key = storedKey();
if (key) void signIn(key);
else showSignin();
