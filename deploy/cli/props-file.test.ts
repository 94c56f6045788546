import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTempDirs } from '../../test/harness/temp-dirs';
import { parseProps, propsFilePath, readPropsFile, serializeProps, withChanges, writePropsFile } from './props-file';

const tempDir = useTempDirs('wisp-cli-props');

describe('the property file', () => {
  it('is ~/.wskprops unless WSK_CONFIG_FILE names another, and an empty WSK_CONFIG_FILE means the default (as wsk reads it)', () => {
    expect(propsFilePath({}, '/home/u')).toBe('/home/u/.wskprops');
    expect(propsFilePath({ WSK_CONFIG_FILE: '/etc/wisp/props' }, '/home/u')).toBe('/etc/wisp/props');
    expect(propsFilePath({ WSK_CONFIG_FILE: '' }, '/home/u')).toBe('/home/u/.wskprops');
  });

  it('reads KEY=VALUE lines, skipping comments, blanks and lines without a key; a value may hold `=`', () => {
    const props = parseProps('# mine\nAPIHOST=http://h:1\r\n\n=novalue\nnoequals\nAUTH = a:b=c \nAUTH=second\n');
    expect([...props]).toEqual([
      ['APIHOST', 'http://h:1'],
      ['AUTH', 'second'],
    ]);
  });

  it('keeps keys it does not know when it writes, and removes the ones unset', () => {
    const before = parseProps('APIVERSION=v1\nAUTH=old\nCERT=/c.pem\nNAMESPACE=guest\n');
    const after = withChanges(before, { AUTH: 'new', APIHOST: 'http://h', NAMESPACE: undefined });
    expect(serializeProps(after)).toBe('APIVERSION=v1\nAUTH=new\nCERT=/c.pem\nAPIHOST=http://h\n');
  });

  it('reads a missing file as empty, and writes the file owner-only (it holds a key)', () => {
    const file = join(tempDir(), 'props');
    expect(readPropsFile(file).size).toBe(0);
    writeFileSync(file, 'AUTH=x\n', { mode: 0o644 });
    writePropsFile(file, withChanges(readPropsFile(file), { APIHOST: 'http://h' }));
    expect(readFileSync(file, 'utf8')).toBe('AUTH=x\nAPIHOST=http://h\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
