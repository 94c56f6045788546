import { webAnswer } from './web-response';

const ok = (result: unknown) => ({ statusCode: 0, result });
const refusal = (message: string, status = 400) => expect.objectContaining({ status, message });

describe('webAnswer', () => {
  it('.json answers an object or array, projected by the path', () => {
    expect(webAnswer(ok({ a: 1 }), 'json', [])).toEqual({ status: 200, headers: [], contentType: 'application/json', body: '{"a":1}' });
    expect(webAnswer(ok({ body: { x: [1, 2] } }), 'json', ['body', 'x'])).toMatchObject({ body: '[1,2]' });
    expect(() => webAnswer(ok({ body: 'str' }), 'json', ['body'])).toThrow(refusal("Response is not valid 'application/json'."));
    expect(() => webAnswer(ok({ a: 1 }), 'json', ['b'])).toThrow(refusal('Response does not include requested property.', 404));
    expect(() => webAnswer(ok({ a: 1 }), 'json', undefined)).toThrow(refusal('Response does not include requested property.', 404));
  });

  it('.html and .svg answer a string, the object body, or their own field', () => {
    expect(webAnswer(ok({ html: '<p>hi</p>' }), 'html', [])).toMatchObject({ contentType: 'text/html; charset=UTF-8', body: '<p>hi</p>' });
    expect(webAnswer(ok({ body: '<b/>', html: 'no' }), 'html', [])).toMatchObject({ body: '<b/>' });
    expect(webAnswer(ok({ page: { html: '<i/>' } }), 'html', ['page'])).toMatchObject({ body: '<i/>' });
    expect(webAnswer(ok({ svg: '<svg/>' }), 'svg', [])).toMatchObject({ contentType: 'image/svg+xml', body: '<svg/>' });
    expect(() => webAnswer(ok({ html: 1 }), 'html', [])).toThrow(refusal("Response is not valid 'text/html'."));
    expect(() => webAnswer(ok({}), 'svg', [])).toThrow(refusal("Response is not valid 'image/svg+xml'."));
  });

  it('.text answers text, or a scalar or object printed', () => {
    expect(webAnswer(ok({ text: 'plain' }), 'text', [])).toMatchObject({ contentType: 'text/plain; charset=UTF-8', body: 'plain' });
    expect(webAnswer(ok({ body: 42 }), 'text', [])).toMatchObject({ body: '42' });
    expect(webAnswer(ok({ n: { text: true } }), 'text', ['n'])).toMatchObject({ body: 'true' });
    expect(webAnswer(ok({ body: { a: 1 } }), 'text', [])).toMatchObject({ body: '{\n  "a": 1\n}' });
    expect(() => webAnswer(ok({ other: 1 }), 'text', [])).toThrow(refusal('Response does not include requested property.', 404));
  });

  it('.http answers statusCode, headers and a text body, text/html by default', () => {
    expect(webAnswer(ok({ statusCode: 201, headers: { 'X-A': 'b', 'Set-Cookie': ['a=1', 'b=2'], 'X-N': 3 }, body: 'made' }), 'http', ['ignored'])).toEqual({
      status: 201,
      headers: [['X-A', 'b'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2'], ['X-N', '3']],
      contentType: 'text/html; charset=UTF-8',
      body: 'made',
    });
    expect(webAnswer(ok({ statusCode: '302', headers: { location: '/x' } }), 'http', [])).toEqual({ status: 302, headers: [['location', '/x']] });
    expect(webAnswer(ok({ body: 'x', headers: { 'Content-Type': 'text/plain' } }), 'http', [])).toMatchObject({ status: 200, headers: [], contentType: 'text/plain', body: 'x' });
  });

  it('.http answers an empty body as 204 unless told otherwise, and drops its content type', () => {
    expect(webAnswer(ok({}), 'http', [])).toEqual({ status: 204, headers: [] });
    expect(webAnswer(ok({ body: '', headers: { 'content-type': 'text/plain' } }), 'http', [])).toEqual({ status: 204, headers: [] });
    expect(webAnswer(ok({ statusCode: 200, body: null }), 'http', [])).toEqual({ status: 200, headers: [] });
  });

  it('.http decodes base64 bodies of binary types, and refuses bad base64 with a 400', () => {
    const png = Buffer.from([137, 80, 78, 71, 0, 255]);
    const answer = webAnswer(ok({ headers: { 'Content-Type': 'image/png' }, body: png.toString('base64') }), 'http', []);
    expect(answer).toMatchObject({ status: 200, contentType: 'image/png' });
    expect(Buffer.compare(answer.body as Buffer, png)).toBe(0);
    expect(() => webAnswer(ok({ headers: { 'Content-Type': 'image/png' }, body: 'not base64!' }), 'http', [])).toThrow(refusal('Response type in header did not match generated content type.'));
    expect(() => webAnswer(ok({ headers: { 'Content-Type': 'application/octet-stream' }, body: 'abc' }), 'http', [])).toThrow(refusal('Response type in header did not match generated content type.'));
  });

  it('.http answers an object body as JSON, and a JSON-family base64 string decoded', () => {
    expect(webAnswer(ok({ body: { a: 1 } }), 'http', [])).toMatchObject({ contentType: 'application/json', body: '{"a":1}' });
    expect(webAnswer(ok({ body: [1], headers: { 'content-type': 'application/hal+json' } }), 'http', [])).toMatchObject({ contentType: 'application/hal+json', body: '[1]' });
    expect(() => webAnswer(ok({ body: { a: 1 }, headers: { 'content-type': 'text/plain' } }), 'http', [])).toThrow(refusal('Response type in header did not match generated content type.'));
    const encoded = Buffer.from('{"b":2}').toString('base64');
    expect((webAnswer(ok({ body: encoded, headers: { 'content-type': 'application/json' } }), 'http', []).body as Buffer).toString()).toBe('{"b":2}');
  });

  it('.http refuses shapes and headers it cannot send, never throwing anything but a 400', () => {
    const invalid = refusal("Response is not valid 'message/http'.");
    for (const result of [
      'a string',
      [1, 2],
      { statusCode: 'abc' },
      { statusCode: 99 },
      { statusCode: 700 },
      { statusCode: 200.5 },
      { headers: 'x' },
      { headers: { 'X-A': { nested: 1 } } },
      { headers: { 'X-A': null } },
      { headers: { 'X-Injected': 'a\r\nSet-Cookie: evil=1' } },
      { headers: { 'X-Bad Name': 'v' } },
      { headers: { 'X-Nul': 'a\u0000b' } },
      { headers: { 'X-A': ['ok', 'b\nc'] } },
    ]) {
      expect(() => webAnswer(ok(result), 'http', [])).toThrow(invalid);
    }
    expect(() => webAnswer(ok({ body: 'x', headers: { 'Content-Type': 'not a type' } }), 'http', [])).toThrow(refusal('Response did not specify a known content-type.'));
  });

  it('.http drops the framing headers a result names', () => {
    expect(webAnswer(ok({ body: 'x', headers: { 'Content-Length': '999', 'Transfer-Encoding': 'chunked', Connection: 'close', 'X-Keep': '1' } }), 'http', []).headers).toEqual([['X-Keep', '1']]);
  });

  it('answers an application error by its error value, and any other failure with a 400 and no details', () => {
    expect(webAnswer({ statusCode: 1, result: { error: { statusCode: 418, body: 'teapot' } } }, 'http', [])).toMatchObject({ status: 418, body: 'teapot' });
    expect(webAnswer({ statusCode: 1, result: { error: { why: 'x' } } }, 'json', ['ignored'])).toMatchObject({ body: '{"why":"x"}' });
    expect(() => webAnswer({ statusCode: 1, result: { other: 1 } }, 'json', [])).toThrow(refusal('Response does not include requested property.', 404));
    expect(() => webAnswer({ statusCode: 2, result: { error: 'boom' } }, 'json', [])).toThrow(refusal('There was an error processing your request.'));
    expect(() => webAnswer({ statusCode: 3, result: { error: 'x' } }, 'http', [])).toThrow(expect.objectContaining({ code: 'web-action-failed' }));
  });
});
