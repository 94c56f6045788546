import type { ApiDoc, ApiRoute } from '../../common/entities/api-route';
import { matchRoute, normalizeBasePath, normalizeRelPath, pathParameterNames } from './api-path';

const route = (relPath: string, verb: ApiRoute['verb'] = 'get', name = 'a'): ApiRoute => ({ relPath, verb, action: { namespace: 'ns', name }, responseType: 'json' });
const api = (basePath: string, routes: ApiRoute[]): ApiDoc => ({ entityType: 'api', namespace: 'ns', basePath, apiName: basePath, routes, updated: 0 });

describe('API paths', () => {
  it('stores base paths in one form and refuses what could escape the namespace', () => {
    expect(normalizeBasePath('/shop/')).toBe('/shop');
    expect(normalizeBasePath('/')).toBe('/');
    expect(normalizeBasePath('/a/b-c.d~e_f')).toBe('/a/b-c.d~e_f');
    for (const bad of ['shop', '', '/a//b', '/..', '/a/../b', '/a%2Fb', '/{id}', '/a b', '/a?x=1', '/a#b']) expect(normalizeBasePath(bad)).toBeUndefined();
  });

  it('takes `{name}` segments as path parameters in relative paths, each name once', () => {
    expect(normalizeRelPath('/items/{id}')).toBe('/items/{id}');
    expect(normalizeRelPath('/items/{id}/parts/{part}/')).toBe('/items/{id}/parts/{part}');
    expect(pathParameterNames('/items/{id}/parts/{part}')).toEqual(['id', 'part']);
    for (const bad of ['/items/{id}/{id}', '/items/{}', '/items/{1x}', '/items/x{id}', 'items', '/..']) expect(normalizeRelPath(bad)).toBeUndefined();
  });
});

describe('matchRoute', () => {
  const shop = api('/shop', [route('/items', 'get', 'list'), route('/items', 'post', 'add'), route('/items/{id}', 'get', 'one'), route('/items/new', 'get', 'fresh')]);
  const root = api('/', [route('/health', 'get', 'health'), route('/shop/items/{id}', 'get', 'shadow')]);

  it('matches base path, relative path and verb, and decodes path parameters', () => {
    expect(matchRoute([shop], 'get', '/shop/items')).toMatchObject({ route: { action: { name: 'list' } }, parameters: {}, relPath: '/items' });
    expect(matchRoute([shop], 'post', '/shop/items')).toMatchObject({ route: { action: { name: 'add' } } });
    expect(matchRoute([shop], 'get', '/shop/items/a%20b')).toMatchObject({ route: { action: { name: 'one' } }, parameters: { id: 'a b' }, relPath: '/items/a b' });
    expect(matchRoute([root], 'get', '/health')).toMatchObject({ route: { action: { name: 'health' } } });
  });

  it('prefers a literal segment to a parameter, and the longer base path', () => {
    expect(matchRoute([shop], 'get', '/shop/items/new')).toMatchObject({ route: { action: { name: 'fresh' } } });
    expect(matchRoute([root, shop], 'get', '/shop/items/7')).toMatchObject({ route: { action: { name: 'one' } }, parameters: { id: '7' } });
  });

  it('matches nothing for another verb, another path, a partial base path segment, or a bad encoding', () => {
    expect(matchRoute([shop], 'delete', '/shop/items')).toBeUndefined();
    expect(matchRoute([shop], 'get', '/shop/items/7/more')).toBeUndefined();
    expect(matchRoute([shop], 'get', '/shopping/items')).toBeUndefined();
    expect(matchRoute([shop], 'get', '/shop/items/%E0%A4%A')).toBeUndefined();
    expect(matchRoute([shop], 'get', '/shop/items/..')).toBeUndefined();
    expect(matchRoute([], 'get', '/shop/items')).toBeUndefined();
  });
});
