import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTempDirs } from '../../test/harness/temp-dirs';
import { isCliUsageError } from './cli-error';
import { collectPair, mergeParams, pairValueOptions, paramsObject, parseParamValue, readParamFile } from './params';

const tempDir = useTempDirs('wisp-cli-params');

/** What commander hands collectPair for each -p, folded by pairValueOptions. */
function pairs(argv: string[]) {
  const folded = pairValueOptions(argv);
  let collected: ReturnType<typeof collectPair> | undefined;
  for (let i = 0; i < folded.length; i++) if (folded[i] === '-p' || folded[i] === '--param') collected = collectPair(folded[++i]!, collected);
  return { folded, collected };
}

describe('wsk parameters', () => {
  it('folds `-p KEY VALUE` into one token, keeping the other arguments in place', () => {
    const { folded, collected } = pairs(['action', 'invoke', '-p', 'name', 'world', 'hello', '--param', 'n', '5', '-b']);
    expect(folded.filter((t) => !t.startsWith('\u0000'))).toEqual(['action', 'invoke', '-p', 'hello', '--param', '-b']);
    expect(collected).toEqual([
      { key: 'name', value: 'world' },
      { key: 'n', value: 5 },
    ]);
  });

  it('leaves a -p without both values to commander, and everything after `--` alone', () => {
    expect(pairValueOptions(['invoke', 'x', '-p', 'k'])).toEqual(['invoke', 'x', '-p', 'k']);
    expect(pairValueOptions(['--', '-p', 'a', 'b'])).toEqual(['--', '-p', 'a', 'b']);
    let thrown: unknown;
    try {
      collectPair('k', undefined);
    } catch (err) {
      thrown = err;
    }
    expect(isCliUsageError(thrown)).toBe(true);
  });

  it('reads a value as JSON when it is JSON, as the string typed otherwise', () => {
    expect(parseParamValue('5')).toBe(5);
    expect(parseParamValue('true')).toBe(true);
    expect(parseParamValue('{"a":[1]}')).toEqual({ a: [1] });
    expect(parseParamValue('"quoted"')).toBe('quoted');
    expect(parseParamValue('hello world')).toBe('hello world');
    expect(parseParamValue('{broken')).toBe('{broken');
  });

  it('takes a -P file as a JSON object, and -p values override it', () => {
    const file = join(tempDir(), 'params.json');
    writeFileSync(file, '{"a": 1, "b": {"c": true}}');
    const merged = mergeParams(readParamFile(file), [{ key: 'a', value: 'over' }, { key: 'd', value: null }]);
    expect(paramsObject(merged)).toEqual({ a: 'over', b: { c: true }, d: null });
  });

  it('refuses a -P file that is missing, not JSON, or not an object, naming the file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.json'), '{nope');
    writeFileSync(join(dir, 'list.json'), '[1]');
    for (const name of ['missing.json', 'bad.json', 'list.json']) {
      let thrown: unknown;
      try {
        readParamFile(join(dir, name));
      } catch (err) {
        thrown = err;
      }
      expect(isCliUsageError(thrown)).toBe(true);
      expect((thrown as Error).message).toContain(name);
    }
  });
});
