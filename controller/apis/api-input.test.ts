import { isPlatformError } from '../../common/errors/platform-error';
import { parseCreateApi } from './api-input';

// What the openwhisk npm client's routes.create sends (lib/routes.js routeSwaggerDefinition).
const body = (over: Record<string, unknown> = {}, action: Record<string, unknown> = {}) => ({
  apidoc: {
    namespace: '_',
    gatewayBasePath: '/shop',
    gatewayPath: '/items/{id}',
    gatewayMethod: 'GET',
    id: 'API:_:/shop',
    action: { name: 'store/one', namespace: '_', backendMethod: 'GET', backendUrl: 'http://h/api/v1/web/_/store/one.http', authkey: 'x:y', ...action },
    ...over,
  },
});

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return isPlatformError(err) ? `${err.status} ${err.code}` : String(err);
  }
  return undefined;
};

describe('parseCreateApi', () => {
  it("reads the client's body as the caller's route, with the response type from the query", () => {
    expect(parseCreateApi(body({ apiName: 'Shop' }), 'http', 'guest')).toEqual({
      basePath: '/shop',
      apiName: 'Shop',
      relPath: '/items/{id}',
      verb: 'get',
      responseType: 'http',
      action: { namespace: 'guest', pkg: 'store', name: 'one' },
    });
    expect(parseCreateApi(body({ gatewayBasePath: undefined }, { name: 'list', namespace: 'guest' }), undefined, 'guest')).toMatchObject({ basePath: '/', responseType: 'json', action: { namespace: 'guest', name: 'list' } });
  });

  it('refuses a bad verb, path, response type, action name or a swagger body with 400 api-route-invalid', () => {
    expect(codeOf(() => parseCreateApi(body({ gatewayMethod: 'FETCH' }), undefined, 'guest'))).toBe('400 api-route-invalid');
    expect(codeOf(() => parseCreateApi(body({ gatewayPath: '/../x' }), undefined, 'guest'))).toBe('400 api-route-invalid');
    expect(codeOf(() => parseCreateApi(body({ gatewayBasePath: 'shop' }), undefined, 'guest'))).toBe('400 api-route-invalid');
    expect(codeOf(() => parseCreateApi(body(), 'xml', 'guest'))).toBe('400 api-route-invalid');
    expect(codeOf(() => parseCreateApi(body({}, { name: 'a/b/c' }), undefined, 'guest'))).toBe('400 api-route-invalid');
    expect(codeOf(() => parseCreateApi(body({}, { name: 7 }), undefined, 'guest'))).toBe('400 api-route-invalid');
    expect(codeOf(() => parseCreateApi({ apidoc: { namespace: '_', swagger: '{}' } }, undefined, 'guest'))).toBe('400 api-route-invalid');
    expect(codeOf(() => parseCreateApi({}, undefined, 'guest'))).toBe('400 api-route-invalid');
  });
});
