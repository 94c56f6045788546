import { connect } from 'node:net';
import openwhisk from 'openwhisk';
import { SYSTEM_AUTH } from '../../common/entities/credentials';
import type { PlatformUnderTest } from './invoke-path.suite';

// Web actions as a browser, a webhook or a curl reaches them: actions made with the `openwhisk`
// npm client, called with plain fetch on `/api/v1/web/...`. Every extension, every annotation
// (web-export, require-whisk-auth both ways, final, raw-http, web-custom-options), sequences and
// package actions, OpenWhisk's error answers and CORS, and bad input that must stay a 4xx and
// run nothing. Run against each profile.

const ECHO = `function main(p) { return p; }`;
const PAGE = `function main(p) { return { html: '<h1>Hi ' + (p.name || 'you') + '</h1>', svg: '<svg xmlns="http://www.w3.org/2000/svg"/>', text: 'plain text', nested: { deeper: { n: 7 } } }; }`;
// Answers whatever shape the request asks for, so one action covers every .http case.
const HTTP = `function main(p) { return p.respond === undefined ? { body: 'default http' } : p.respond; }`;
const RAW = `function main(p) { return { query: p.__ow_query, body: p.__ow_body, a: p.a === undefined ? null : p.a, method: p.__ow_method }; }`;
const WHO = `function main(p) { return { user: p.__ow_user === undefined ? null : p.__ow_user, sawAuthorization: 'authorization' in p.__ow_headers }; }`;
const CUSTOM = `function main(p) {
  if (p.__ow_method === 'options') return { statusCode: 200, headers: { 'Access-Control-Allow-Origin': 'https://app.example', 'Access-Control-Allow-Methods': 'GET, OPTIONS' } };
  return { body: 'custom ' + p.__ow_method };
}`;
const FAILS = `function main(p) {
  if (p.how === 'application') return { error: { statusCode: 409, headers: { 'X-Why': 'conflict' }, body: 'already there' } };
  throw new Error('boom');
}`;

interface WebAnswerSeen {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly bytes: Buffer;
}

export function describeWebActions(platform: () => PlatformUnderTest): void {
  const unique = `web-${Date.now().toString(36)}`;
  const n = (name: string) => `${unique}-${name}`;
  const pkg = `${unique}-pkg`;
  const client = () => openwhisk({ apihost: platform().apihost, api_key: platform().auth });
  const basic = (auth: string) => `Basic ${Buffer.from(auth).toString('base64')}`;
  const web = async (path: string, init: RequestInit = {}): Promise<WebAnswerSeen> => {
    const res = await fetch(`${platform().apihost}/api/v1/web/${path}`, init);
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, text: bytes.toString('utf8'), bytes };
  };
  // A request whose head declares more than the limit and sends no body: the 413 comes before any
  // body byte is read, and no unread body can turn the server's close into a reset.
  const oversized = (path: string) =>
    new Promise<string>((resolve, reject) => {
      const { hostname, port } = new URL(platform().apihost);
      const socket = connect({ host: hostname, port: Number(port) });
      let answer = '';
      socket.on('data', (data: Buffer) => (answer += data.toString('latin1')));
      socket.once('close', () => resolve(answer));
      socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
      socket.write(`POST /api/v1/web/${path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${1024 * 1024 + 1}\r\n\r\n`);
    });
  const json = (seen: WebAnswerSeen) => JSON.parse(seen.text) as Record<string, unknown>;
  const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const exported = { 'web-export': true };

  beforeAll(async () => {
    const ow = client();
    const create = (name: string, action: string, annotations: Record<string, unknown>, params?: Record<string, unknown>) =>
      ow.actions.create({ name, action, kind: 'nodejs:20', annotations, limits: { memory: 128 }, ...(params ? { params } : {}) } as never);
    await ow.packages.create({ name: pkg, package: { parameters: [{ key: 'fromPackage', value: 'p' }] } } as never);
    await Promise.all([
      create(n('echo'), ECHO, { ...exported, final: true }, { fixed: 'kept' }),
      create(n('page'), PAGE, exported),
      create(n('http'), HTTP, exported),
      create(n('raw'), RAW, { ...exported, 'raw-http': true }),
      create(n('secret'), WHO, { ...exported, 'require-whisk-auth': 's3cret-42' }),
      create(n('authed'), WHO, { ...exported, 'require-whisk-auth': true }),
      create(n('custom'), CUSTOM, { ...exported, 'web-custom-options': true, 'require-whisk-auth': 'opt-secret' }),
      create(n('fails'), FAILS, exported),
      create(n('guard'), ECHO, exported),
      create(n('private'), ECHO, {}),
      create(`${pkg}/inpkg`, ECHO, exported),
    ]);
    await ow.actions.create({ name: n('seq'), sequence: [`/guest/${n('page')}`], annotations: exported } as never);
  });

  it('.json answers the arguments: query and JSON body merged, __ow_method, __ow_headers, __ow_path, final parameters', async () => {
    const seen = await web(`guest/default/${n('echo')}.json/?q=1&b=query`, post({ b: 'body', obj: { x: 1 } }));
    expect(seen.status).toBe(200);
    expect(seen.headers.get('content-type')).toMatch(/^application\/json/);
    expect(seen.headers.get('x-openwhisk-activation-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(json(seen)).toMatchObject({ q: '1', b: 'body', obj: { x: 1 }, fixed: 'kept', __ow_method: 'post', __ow_path: '/', __ow_headers: { 'content-type': 'application/json' } });
    expect(json(seen)).not.toHaveProperty('__ow_user');
    const form = await web(`guest/default/${n('echo')}.json`, { method: 'PUT', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'f=1&g=two' });
    expect(json(form)).toMatchObject({ f: '1', g: 'two', __ow_method: 'put', __ow_path: '' });
    const text = await web(`guest/default/${n('echo')}.json`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'just words' });
    expect(json(text)).toMatchObject({ __ow_body: 'just words' });
    const binary = Buffer.from([0, 1, 2, 250, 255]);
    const bin = await web(`guest/default/${n('echo')}.json`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: binary });
    expect(json(bin)).toMatchObject({ __ow_body: binary.toString('base64') });
  });

  it('writes the activation to the owner namespace, readable through the API', async () => {
    const seen = await web(`guest/default/${n('echo')}.json?w=1`);
    const record = await client().activations.get({ name: seen.headers.get('x-openwhisk-activation-id')! });
    expect(record).toMatchObject({ namespace: 'guest', name: n('echo'), response: { success: true, result: { w: '1', __ow_method: 'get' } } });
  });

  it('projects the result by the path after the extension', async () => {
    expect(json(await web(`guest/default/${n('page')}.json/nested/deeper`))).toEqual({ n: 7 });
    expect((await web(`guest/default/${n('page')}.text/nested/deeper/n`)).text).toBe('7');
    expect((await web(`guest/default/${n('echo')}.text/__ow_method`)).text).toBe('get');
    const missing = await web(`guest/default/${n('page')}.json/nothing/here`);
    expect(missing.status).toBe(404);
    expect(json(missing)).toEqual({ error: 'Response does not include requested property.', code: expect.any(String) });
  });

  it('.html, .svg and .text answer their field in their media type', async () => {
    const html = await web(`guest/default/${n('page')}.html?name=Wisp`);
    expect([html.status, html.headers.get('content-type'), html.text]).toEqual([200, 'text/html; charset=UTF-8', '<h1>Hi Wisp</h1>']);
    const svg = await web(`guest/default/${n('page')}.svg`);
    expect([svg.status, svg.headers.get('content-type'), svg.text]).toEqual([200, 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"/>']);
    const text = await web(`guest/default/${n('page')}.text`);
    expect([text.status, text.headers.get('content-type'), text.text]).toEqual([200, 'text/plain; charset=UTF-8', 'plain text']);
    const notJson = await web(`guest/default/${n('page')}.json/html`);
    expect([notJson.status, json(notJson).error]).toEqual([400, "Response is not valid 'application/json'."]);
  });

  it('.http (and no extension) answers statusCode, headers and body; binary bodies from base64; nothing as 204', async () => {
    const plain = await web(`guest/default/${n('http')}`);
    expect([plain.status, plain.headers.get('content-type'), plain.text]).toEqual([200, 'text/html; charset=UTF-8', 'default http']);
    const made = await web(`guest/default/${n('http')}.http`, post({ respond: { statusCode: 201, headers: { 'X-Made': 'yes', 'Set-Cookie': ['a=1', 'b=2'], 'Content-Type': 'text/plain' }, body: 'created' } }));
    expect([made.status, made.headers.get('x-made'), made.headers.get('content-type'), made.text]).toEqual([201, 'yes', 'text/plain', 'created']);
    expect(made.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const png = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10, 0, 255]);
    const image = await web(`guest/default/${n('http')}.http`, post({ respond: { headers: { 'Content-Type': 'image/png' }, body: png.toString('base64') } }));
    expect([image.status, image.headers.get('content-type')]).toEqual([200, 'image/png']);
    expect(image.bytes.equals(png)).toBe(true);
    const object = await web(`guest/default/${n('http')}.http`, post({ respond: { statusCode: '202', body: { queued: true } } }));
    expect([object.status, object.headers.get('content-type'), object.text]).toEqual([202, 'application/json', '{"queued":true}']);
    const empty = await web(`guest/default/${n('http')}.http`, post({ respond: { headers: { 'X-Only': 'header' } } }));
    expect([empty.status, empty.headers.get('x-only'), empty.text]).toEqual([204, 'header', '']);
    const redirect = await web(`guest/default/${n('http')}.http`, { ...post({ respond: { statusCode: 302, headers: { Location: '/elsewhere' } } }), redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([302, '/elsewhere']);
  });

  it('.http refuses results it cannot send with a 400 and OpenWhisk messages: bad shape, header injection, bad base64', async () => {
    const answers = await Promise.all([
      web(`guest/default/${n('http')}.http`, post({ respond: { statusCode: 'abc' } })),
      web(`guest/default/${n('http')}.http`, post({ respond: { headers: { 'X-Evil': 'a\r\nSet-Cookie: stolen=1' }, body: 'x' } })),
      web(`guest/default/${n('http')}.http`, post({ respond: { headers: { 'Bad Name': 'v' }, body: 'x' } })),
      web(`guest/default/${n('http')}.http`, post({ respond: { headers: { 'Content-Type': 'image/png' }, body: 'not*base64' } })),
      web(`guest/default/${n('http')}.http`, post({ respond: { headers: { 'Content-Type': 'text/plain' }, body: { a: 1 } } })),
    ]);
    expect(answers.map((a) => [a.status, json(a).error])).toEqual([
      [400, "Response is not valid 'message/http'."],
      [400, "Response is not valid 'message/http'."],
      [400, "Response is not valid 'message/http'."],
      [400, 'Response type in header did not match generated content type.'],
      [400, 'Response type in header did not match generated content type.'],
    ]);
    expect(answers[1]!.headers.get('set-cookie')).toBeNull();
    for (const a of answers) expect(a.headers.get('x-openwhisk-activation-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('answers an application error by its error value, and a failed action with 400 and no details', async () => {
    const app = await web(`guest/default/${n('fails')}.http?how=application`);
    expect([app.status, app.headers.get('x-why'), app.text]).toEqual([409, 'conflict', 'already there']);
    const thrown = await web(`guest/default/${n('fails')}.json`);
    expect([thrown.status, json(thrown).error]).toEqual([400, 'There was an error processing your request.']);
  });

  it('raw-http passes the query string and body untouched', async () => {
    const seen = await web(`guest/default/${n('raw')}.json?a=1&__ow_method=sneaky&a=2`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'raw body' });
    expect(json(seen)).toEqual({ query: 'a=1&__ow_method=sneaky&a=2', body: 'raw body', a: null, method: 'post' });
    const asJson = await web(`guest/default/${n('raw')}.json`, post({ a: 3 }));
    expect(json(asJson)).toMatchObject({ body: Buffer.from('{"a":3}').toString('base64'), a: null });
  });

  it('require-whisk-auth with a secret compares X-Require-Whisk-Auth', async () => {
    const none = await web(`guest/default/${n('secret')}.json`);
    const wrong = await web(`guest/default/${n('secret')}.json`, { headers: { 'X-Require-Whisk-Auth': 'guess' } });
    const right = await web(`guest/default/${n('secret')}.json`, { headers: { 'X-Require-Whisk-Auth': 's3cret-42' } });
    expect([none.status, wrong.status, right.status]).toEqual([401, 401, 200]);
    expect(json(none)).toEqual({ error: 'Authentication is possible but has failed or not yet been provided.', code: expect.any(String) });
    expect(json(right)).toEqual({ user: null, sawAuthorization: false });
  });

  it("require-whisk-auth true needs a key of the owner's namespace, and then passes __ow_user and hides the key", async () => {
    const anonymous = await web(`guest/default/${n('authed')}.json`);
    const badKey = await web(`guest/default/${n('authed')}.json`, { headers: { Authorization: basic(`${platform().auth.split(':')[0]}:wrong`) } });
    // whisk.system's key is valid (the API takes it), but not for guest's action.
    expect((await fetch(`${platform().apihost}/api/v1/namespaces`, { headers: { Authorization: basic(SYSTEM_AUTH) } })).status).toBe(200);
    const otherNamespace = await web(`guest/default/${n('authed')}.json`, { headers: { Authorization: basic(SYSTEM_AUTH) } });
    const owner = await web(`guest/default/${n('authed')}.json`, { headers: { Authorization: basic(platform().auth) } });
    expect([anonymous.status, badKey.status, otherNamespace.status, owner.status]).toEqual([401, 401, 401, 200]);
    expect(json(owner)).toEqual({ user: 'guest', sawAuthorization: false });
    // An open action still learns who called when the caller authenticated.
    expect(json(await web(`guest/default/${n('echo')}.json`, { headers: { Authorization: basic(platform().auth) } }))).toMatchObject({ __ow_user: 'guest' });
  });

  it('answers CORS on every answer and OPTIONS itself, unless web-custom-options hands OPTIONS to the action (unauthenticated)', async () => {
    const preflight = await web(`guest/default/${n('echo')}.json`, { method: 'OPTIONS', headers: { 'Access-Control-Request-Headers': 'X-Custom, Content-Type' } });
    expect(preflight.status).toBe(200);
    expect(preflight.text).toBe('');
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('OPTIONS, GET, DELETE, POST, PUT, HEAD, PATCH');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('X-Custom, Content-Type');
    const plain = await web(`guest/default/${n('page')}.text`);
    expect(plain.headers.get('access-control-allow-headers')).toBe('Authorization, Origin, X-Requested-With, Content-Type, Accept, User-Agent');
    const missing = await web(`guest/default/${n('nothing')}.json`);
    expect([missing.status, missing.headers.get('access-control-allow-origin')]).toEqual([404, '*']);
    const custom = await web(`guest/default/${n('custom')}`, { method: 'OPTIONS' });
    expect([custom.status, custom.headers.get('access-control-allow-origin'), custom.headers.get('access-control-allow-methods'), custom.headers.get('access-control-allow-headers')]).toEqual([
      200,
      'https://app.example',
      'GET, OPTIONS',
      null,
    ]);
    // The preflight reached the action without the secret; anything else still needs it.
    const customGet = await web(`guest/default/${n('custom')}`, { headers: { 'X-Require-Whisk-Auth': 'opt-secret' } });
    expect([customGet.text, customGet.headers.get('access-control-allow-origin')]).toEqual(['custom get', null]);
    const customRefused = await web(`guest/default/${n('custom')}`);
    expect([customRefused.status, customRefused.headers.get('access-control-allow-origin')]).toEqual([401, null]);
    const head = await web(`guest/default/${n('page')}.html`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-type'), head.text]).toEqual([200, 'text/html; charset=UTF-8', '']);
  });

  it('runs sequences and actions in packages (package parameters merged) as web actions', async () => {
    const seq = await web(`guest/default/${n('seq')}.html?name=Seq`);
    expect([seq.status, seq.text]).toEqual([200, '<h1>Hi Seq</h1>']);
    const inPackage = await web(`guest/${pkg}/inpkg.json?x=1`);
    expect(json(inPackage)).toMatchObject({ x: '1', fromPackage: 'p', __ow_method: 'get' });
  });

  it('answers one 404 for missing, non-exported and foreign actions alike, and 406 for an unknown extension', async () => {
    const answers = await Promise.all([
      web(`guest/default/${n('private')}.json`),
      web(`guest/default/${n('nothing')}.json`),
      web(`no-such-namespace/default/${n('echo')}.json`),
      web(`whisk.system/default/${n('echo')}.json`),
      web(`guest/no-such-pkg/${n('echo')}.json`),
      web(`guest/default/${n('private')}.json`, { headers: { Authorization: basic(platform().auth) } }),
    ]);
    for (const a of answers) expect([a.status, json(a).error]).toEqual([404, 'The requested resource does not exist.']);
    const xml = await web(`guest/default/${n('echo')}.xml`);
    expect([xml.status, json(xml).error]).toEqual([406, 'Extension must be specified and one of [.http, .json, .html, .svg, .text].']);
  });

  it('refuses bad requests with a 4xx, runs nothing and stores nothing', async () => {
    const guard = n('guard');
    const tooLarge = await oversized(`guest/default/${guard}.json`);
    expect(tooLarge).toMatch(/^HTTP\/1\.1 413 /);
    expect(tooLarge).toMatch(/"error":"Request larger than allowed: 1048577 > 1048576 bytes\."/);
    expect(tooLarge.toLowerCase()).toContain('access-control-allow-origin: *');
    const answers = await Promise.all([
      web(`guest/default/${guard}.json`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"broken":' }),
      web(`guest/default/${guard}.json?__ow_user=admin`),
      web(`guest/default/${guard}.json`, post({ __ow_headers: { authorization: 'x' } })),
      web(`guest/default/..%2F..%2Fwhisk.system%2Fdefault%2F${guard}.json`),
      web(`guest%2F..%2Fwhisk.system/default/${guard}.json`),
      web(`guest/default/${guard}.json`, { method: 'PURGE' }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 404, 404, 405]);
    expect(json(answers[1]!).error).toBe('Request defines parameters that are not allowed (e.g., reserved properties).');
    const final = await web(`guest/default/${n('echo')}.json?fixed=replaced`);
    expect([final.status, json(final).error]).toEqual([400, 'Request defines parameters that are not allowed (e.g., reserved properties).']);
    expect(await client().activations.list({ name: guard, limit: 10 } as never)).toEqual([]);
  });
}
