import { isBinaryMediaType, webArguments, type WebRequest } from './web-request';

const request = (over: Partial<WebRequest> = {}): WebRequest => ({
  method: 'POST',
  headers: { host: 'x', 'content-type': 'application/json', accept: '*/*' },
  extraPath: '/more',
  rawQuery: '',
  body: Buffer.alloc(0),
  contentType: 'application/json',
  ...over,
});
const plain = { rawHttp: false, fixed: new Set<string>() };

describe('webArguments', () => {
  it('passes method (lowercased), headers and the extra path, and the user only when the caller authenticated', () => {
    expect(webArguments(request({ method: 'GET' }), plain)).toEqual({ __ow_method: 'get', __ow_headers: { host: 'x', 'content-type': 'application/json', accept: '*/*' }, __ow_path: '/more' });
    expect(webArguments(request(), { ...plain, user: 'guest' })).toMatchObject({ __ow_user: 'guest' });
  });

  it("keeps an authenticated caller's Authorization header from the action, and passes any other", () => {
    const headers = { authorization: 'Basic abc', 'set-cookie': ['a=1', 'b=2'] };
    expect(webArguments(request({ headers }), { ...plain, user: 'guest' }).__ow_headers).toEqual({ 'set-cookie': 'a=1, b=2' });
    expect(webArguments(request({ headers }), plain).__ow_headers).toEqual({ authorization: 'Basic abc', 'set-cookie': 'a=1, b=2' });
  });

  it('merges query parameters and a JSON object body, the body winning', () => {
    const args = webArguments(request({ rawQuery: 'a=1&b=2&b=3', body: Buffer.from('{"b":"body","c":[1]}') }), plain);
    expect(args).toMatchObject({ a: '1', b: 'body', c: [1] });
    expect(args).not.toHaveProperty('__ow_body');
    expect(args).not.toHaveProperty('__ow_query');
  });

  it('merges a form body, and boxes a JSON value that is not an object', () => {
    expect(webArguments(request({ contentType: 'application/x-www-form-urlencoded', body: Buffer.from('x=1&y=two') }), plain)).toMatchObject({ x: '1', y: 'two' });
    expect(webArguments(request({ body: Buffer.from('[1,2]') }), plain)).toMatchObject({ __ow_body: [1, 2] });
    expect(webArguments(request({ contentType: 'application/vnd.api+json', body: Buffer.from('"s"') }), plain)).toMatchObject({ __ow_body: 's' });
  });

  it('passes a text body as a string and a binary one as base64', () => {
    expect(webArguments(request({ contentType: 'text/plain; charset=utf-8', body: Buffer.from('héllo') }), plain)).toMatchObject({ __ow_body: 'héllo' });
    const bytes = Buffer.from([0, 1, 2, 255]);
    expect(webArguments(request({ contentType: 'image/png', body: bytes }), plain)).toMatchObject({ __ow_body: bytes.toString('base64') });
    expect(webArguments(request({ contentType: '', body: bytes }), plain)).toMatchObject({ __ow_body: bytes.toString('base64') });
  });

  it('with raw-http, passes the query string and body untouched (JSON as base64, as OpenWhisk does)', () => {
    const raw = { ...plain, rawHttp: true };
    expect(webArguments(request({ rawQuery: 'a=1&__ow_method=x', body: Buffer.from('{"a":2}') }), raw)).toMatchObject({ __ow_query: 'a=1&__ow_method=x', __ow_body: Buffer.from('{"a":2}').toString('base64'), __ow_method: 'post' });
    expect(webArguments(request({ contentType: 'text/plain', body: Buffer.from('hi') }), raw)).toMatchObject({ __ow_body: 'hi' });
    expect(webArguments(request(), raw)).toMatchObject({ __ow_query: '', __ow_body: '' });
    expect(webArguments(request({ rawQuery: 'a=1' }), raw)).not.toHaveProperty('a');
  });

  it('refuses a query or body that names a reserved __ow_ property or a final parameter', () => {
    for (const over of [{ rawQuery: '__ow_method=get' }, { rawQuery: '__ow_user=admin' }, { body: Buffer.from('{"__ow_headers":{}}') }]) {
      expect(() => webArguments(request(over), plain)).toThrow(expect.objectContaining({ status: 400, message: 'Request defines parameters that are not allowed (e.g., reserved properties).' }));
    }
    const fixed = { ...plain, fixed: new Set(['name']) };
    expect(() => webArguments(request({ rawQuery: 'name=x' }), fixed)).toThrow(expect.objectContaining({ code: 'parameters-not-allowed' }));
    expect(() => webArguments(request({ body: Buffer.from('{"name":"x"}') }), fixed)).toThrow(expect.objectContaining({ code: 'parameters-not-allowed' }));
    expect(webArguments(request({ rawQuery: 'other=x' }), fixed)).toMatchObject({ other: 'x' });
  });

  it('answers 400 for a JSON body that does not parse', () => {
    expect(() => webArguments(request({ body: Buffer.from('{"a":') }), plain)).toThrow(expect.objectContaining({ status: 400, code: 'body-not-json' }));
  });

  it('keeps __proto__ a plain key', () => {
    const args = webArguments(request({ rawQuery: '__proto__=x', body: Buffer.from('{"__proto__":{"polluted":true}}') }), plain);
    expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('isBinaryMediaType', () => {
  it('treats text, JSON, XML and forms as text, the rest as binary', () => {
    for (const t of ['text/plain', 'text/html', 'application/json', 'application/ld+json', 'image/svg+xml', 'application/xml', 'application/x-www-form-urlencoded']) expect(isBinaryMediaType(t)).toBe(false);
    for (const t of ['image/png', 'application/octet-stream', 'application/pdf', 'audio/wav', '']) expect(isBinaryMediaType(t)).toBe(true);
  });
});
