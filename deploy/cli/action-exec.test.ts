import { isCliUsageError } from './cli-error';
import { buildExec, buildLimits, kindForFile, webAnnotations } from './action-exec';

const files: Record<string, Buffer> = { 'hello.js': Buffer.from('function main(){}'), 'a.py': Buffer.from('def main(a): return a'), 'app.zip': Buffer.from([0x50, 0x4b, 3, 4, 0xff]) };
const read = (path: string) => {
  const bytes = files[path];
  if (!bytes) throw new Error('ENOENT');
  return bytes;
};

function usageError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isCliUsageError(err)) return err.message;
    throw err;
  }
  throw new Error('no error');
}

describe('the exec of action create', () => {
  it('takes the kind from the extension as wsk does, and a .zip needs --kind', () => {
    expect(kindForFile('x/hello.js')).toBe('nodejs:default');
    expect(kindForFile('a.PY')).toBe('python:default');
    expect(usageError(() => kindForFile('app.zip'))).toContain('requires specifying the action kind');
    expect(usageError(() => kindForFile('notes.txt'))).toContain("'.txt'");
  });

  it('sends source as text and a zip as base64, with --main and --kind', () => {
    expect(buildExec('hello.js', {}, '_', read)).toEqual({ kind: 'nodejs:default', code: 'function main(){}' });
    expect(buildExec('app.zip', { kind: 'nodejs:20', main: 'handler' }, '_', read)).toEqual({ kind: 'nodejs:20', code: files['app.zip']!.toString('base64'), main: 'handler' });
    expect(usageError(() => buildExec('missing.js', {}, '_', read))).toBe("File 'missing.js' is not a valid file or it does not exist.");
  });

  it('makes a blackbox of --docker, a sequence of --sequence, and nothing when no code changes', () => {
    expect(buildExec(undefined, { docker: 'me/img:1' }, '_', read)).toEqual({ kind: 'blackbox', image: 'me/img:1' });
    expect(buildExec('a, pkg/b,/other/c', { sequence: true }, 'guest', read)).toEqual({ kind: 'sequence', components: ['/guest/a', '/guest/pkg/b', '/other/c'] });
    expect(buildExec(undefined, {}, '_', read)).toBeUndefined();
  });

  it('sets the three web annotations of --web, replacing earlier ones', () => {
    expect(webAnnotations('raw', [{ key: 'final', value: false }, { key: 'x', value: 1 }])).toEqual([
      { key: 'x', value: 1 },
      { key: 'web-export', value: true },
      { key: 'raw-http', value: true },
      { key: 'final', value: true },
    ]);
    expect(webAnnotations('no', []).map((a) => a.value)).toEqual([false, false, false]);
    expect(usageError(() => webAnnotations('maybe', []))).toContain("'maybe'");
  });

  it('reads --timeout, --memory and --logsize as whole numbers', () => {
    expect(buildLimits({ timeout: '3000', memory: '128' })).toEqual({ timeout: 3000, memory: 128 });
    expect(buildLimits({})).toBeUndefined();
    expect(usageError(() => buildLimits({ memory: '1.5' }))).toContain('--memory');
  });
});
