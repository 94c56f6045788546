import type { ApiDoc } from '../../common/entities/api-route';
import { apiListing, swaggerOf } from './api-swagger';

const shop: ApiDoc = {
  entityType: 'api',
  namespace: 'guest',
  basePath: '/shop',
  apiName: 'Shop',
  updated: 0,
  routes: [
    { relPath: '/items', verb: 'get', action: { namespace: 'guest', name: 'list' }, responseType: 'json' },
    { relPath: '/items/{id}', verb: 'get', action: { namespace: 'guest', pkg: 'store', name: 'one' }, responseType: 'http' },
    { relPath: '/items', verb: 'post', action: { namespace: 'guest', name: 'add' }, responseType: 'text' },
  ],
};

describe('the apidoc of an API', () => {
  it('is an OpenAPI 2 document whose operations name their web action in x-openwhisk', () => {
    const doc = swaggerOf('http://127.0.0.1:3233', shop) as { swagger: string; basePath: string; info: { title: string }; paths: Record<string, Record<string, Record<string, unknown>>> };
    expect(doc).toMatchObject({ swagger: '2.0', basePath: '/shop', info: { title: 'Shop' }, host: '127.0.0.1:3233' });
    expect(Object.keys(doc.paths).sort()).toEqual(['/items', '/items/{id}']);
    expect(Object.keys(doc.paths['/items']!).sort()).toEqual(['get', 'post']);
    expect(doc.paths['/items']!.get!['x-openwhisk']).toEqual({ namespace: 'guest', package: '', action: 'list', url: 'http://127.0.0.1:3233/api/v1/web/guest/default/list.json' });
    expect(doc.paths['/items']!.post!['x-openwhisk']).toMatchObject({ url: 'http://127.0.0.1:3233/api/v1/web/guest/default/add.text' });
    expect(doc.paths['/items/{id}']!.get).toMatchObject({
      parameters: [{ name: 'id', in: 'path', required: true, type: 'string' }],
      'x-openwhisk': { namespace: 'guest', package: 'store', action: 'one', url: 'http://127.0.0.1:3233/api/v1/web/guest/store/one.http' },
    });
  });

  it('is listed as getApi answers, with the gateway URL of the namespace and base path', () => {
    expect(apiListing('http://h:1', shop)).toMatchObject({ id: 'API:guest:/shop', value: { namespace: 'guest', gwApiUrl: 'http://h:1/api/guest/shop', gwApiActivated: true, apidoc: { basePath: '/shop' } } });
    expect(apiListing('http://h:1', { ...shop, basePath: '/' }).value.gwApiUrl).toBe('http://h:1/api/guest');
  });
});
