import { parseWebPath, projectionOf } from './web-path';

describe('parseWebPath', () => {
  it('splits namespace, package, action, extension and the extra path', () => {
    expect(parseWebPath('guest/default/hello.json')).toEqual({ namespace: 'guest', name: 'hello', extension: 'json', extraPath: '' });
    expect(parseWebPath('guest/demo/hello.html/body/x')).toEqual({ namespace: 'guest', pkg: 'demo', name: 'hello', extension: 'html', extraPath: '/body/x' });
    expect(parseWebPath('guest/default/hello.svg')?.extension).toBe('svg');
    expect(parseWebPath('guest/default/hello.text/')).toMatchObject({ extension: 'text', extraPath: '/' });
    expect(parseWebPath('guest/default/hello.http/a%20b')).toMatchObject({ extension: 'http', extraPath: '/a%20b' });
  });

  it('takes a name without a known extension as .http, keeping a suffix that might be a wrong extension', () => {
    expect(parseWebPath('guest/default/hello')).toEqual({ namespace: 'guest', name: 'hello', extension: 'http', extraPath: '' });
    expect(parseWebPath('guest/default/hello.xml')).toEqual({ namespace: 'guest', name: 'hello.xml', extension: 'http', extraPath: '', unknownExtensionBase: 'hello' });
    expect(parseWebPath('guest/default/a.b.json')).toMatchObject({ name: 'a.b', extension: 'json' });
  });

  it('decodes each segment and refuses anything that is not an entity name, so nothing leaves the namespace', () => {
    expect(parseWebPath('guest/default/my%20action.json')).toMatchObject({ name: 'my action' });
    for (const rest of ['guest/default', 'guest', '', '../other/default/x', 'guest/../x', 'guest/default/..', 'guest/default/%2e%2e', 'guest%2Fother/default/x', 'guest/default/a%2Fb', 'guest/default/%E0%A4%A', 'guest/default/.json', 'guest//x', 'guest/default/-x']) {
      expect(parseWebPath(rest)).toBeUndefined();
    }
  });
});

describe('projectionOf', () => {
  it('answers the decoded, non-empty segments', () => {
    expect(projectionOf('')).toEqual([]);
    expect(projectionOf('/body/x')).toEqual(['body', 'x']);
    expect(projectionOf('//a%20b/')).toEqual(['a b']);
    expect(projectionOf('/%E0%A4%A')).toBeUndefined();
  });
});
