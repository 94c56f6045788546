import { DEFAULT_ALLOW_HEADERS, webCorsHeaders } from './web-cors';

describe('webCorsHeaders', () => {
  it("allows any origin and the web methods, echoing the preflight's header list", () => {
    expect(webCorsHeaders('X-Custom, Content-Type')).toEqual({
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'OPTIONS, GET, DELETE, POST, PUT, HEAD, PATCH',
      'Access-Control-Allow-Headers': 'X-Custom, Content-Type',
    });
  });

  it('falls back to the default list when none was asked for, or when what was asked is not a plain list', () => {
    for (const asked of [undefined, '', 'a\r\nSet-Cookie: x=1', 'a;b', 'x'.repeat(1025)]) expect(webCorsHeaders(asked)['Access-Control-Allow-Headers']).toBe(DEFAULT_ALLOW_HEADERS);
  });
});
