import { isCliUsageError } from './cli-error';
import { stripLogLine } from './activation-view';
import { entityPath, fullyQualified, parseQualifiedName } from './qualified-name';

describe('entity names as wsk reads them', () => {
  it('puts a name without a leading slash in the default namespace, and reads /ns/[pkg/]name', () => {
    expect(parseQualifiedName('hello', '_')).toEqual({ namespace: '_', entity: 'hello' });
    expect(parseQualifiedName('pkg/hello', 'team')).toEqual({ namespace: 'team', entity: 'pkg/hello' });
    expect(parseQualifiedName('/whisk.system/utils/echo', '_')).toEqual({ namespace: 'whisk.system', entity: 'utils/echo' });
    expect(fullyQualified(parseQualifiedName('/ns/a', '_'))).toBe('/ns/a');
  });

  it('refuses names with empty or too many parts', () => {
    for (const bad of ['/ns', 'a/b/c', '//a', 'a//b', '/ns/a/b/c']) {
      let thrown: unknown;
      try {
        parseQualifiedName(bad, '_');
      } catch (err) {
        thrown = err;
      }
      expect(isCliUsageError(thrown)).toBe(true);
    }
  });

  it('escapes each path segment, and --strip drops the time and stream of a log line', () => {
    expect(entityPath('my pkg/a?b')).toBe('my%20pkg/a%3Fb');
    expect(stripLogLine('2026-12-08T00:43:14.322282000Z stdout: hi world')).toBe('hi world');
    expect(stripLogLine('2026-12-08T00:43:14.3Z  stderr: oops: bad')).toBe('oops: bad');
  });
});
