import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveError, extractZip, isZip, readZipEntries } from './unzip';
import { createZip } from './zip-writer';

// Made by Info-ZIP `zip -r` (a directory entry, extra fields, Unix attributes).
const INFO_ZIP_FIXTURE = 'UEsDBBQAAAAIAEkndV1mvK/CMgAAADQAAAAIABwAaW5kZXguanNVVAkAA+okAWvqJAFrdXgLAAEEAAAAAAQAAAAAy81PKc1J1UutKMgvKinWy03MzFOwVShKLSzNLErVUNLTz8lM0k8vSk0tUdLUA9PWXABQSwMECgAAAAAASSd1XV3xbDweAAAAHgAAAAwAHABwYWNrYWdlLmpzb25VVAkAA+okAWvqJAFrdXgLAAEEAAAAAAQAAAAAeyJuYW1lIjoieCIsIm1haW4iOiJpbmRleC5qcyJ9UEsDBAoAAAAAAEkndV0AAAAAAAAAAAAAAAAEABwAbGliL1VUCQAD6iQBa+okAWt1eAsAAQQAAAAABAAAAABQSwMEFAAAAAgASSd1XQ7n8VQ2AAAANwAAAAwAHABsaWIvZ3JlZXQuanNVVAkAA+okAWvqJAFrdXgLAAEEAAAAAAQAAAAAS60oyC8qKdZLL0pNLVGwVdAo0FSwtVPQqFYAi2TmpVspKGVkKigpaCsU6OUl5qYq1GpacwEAUEsBAh4DFAAAAAgASSd1XWa8r8IyAAAANAAAAAgAGAAAAAAAAQAAAKSBAAAAAGluZGV4LmpzVVQFAAPqJAFrdXgLAAEEAAAAAAQAAAAAUEsBAh4DCgAAAAAASSd1XV3xbDweAAAAHgAAAAwAGAAAAAAAAQAAAKSBdAAAAHBhY2thZ2UuanNvblVUBQAD6iQBa3V4CwABBAAAAAAEAAAAAFBLAQIeAwoAAAAAAEkndV0AAAAAAAAAAAAAAAAEABgAAAAAAAAAEADtQdgAAABsaWIvVVQFAAPqJAFrdXgLAAEEAAAAAAQAAAAAUEsBAh4DFAAAAAgASSd1XQ7n8VQ2AAAANwAAAAwAGAAAAAAAAQAAAKSBFgEAAGxpYi9ncmVldC5qc1VUBQAD6iQBa3V4CwABBAAAAAAEAAAAAFBLBQYAAAAABAAEADwBAACSAQAAAAA=';

describe('unzip', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wisp-unzip-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('extracts an archive made by Info-ZIP', () => {
    const data = Buffer.from(INFO_ZIP_FIXTURE, 'base64');
    expect(isZip(data)).toBe(true);
    expect(readZipEntries(data).map((e) => e.name).sort()).toEqual(['index.js', 'lib/', 'lib/greet.js', 'package.json']);
    extractZip(data, dir);
    expect(readFileSync(join(dir, 'lib', 'greet.js'), 'utf8')).toContain('exports.greet');
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toEqual({ name: 'x', main: 'index.js' });
  });

  it('round-trips what the writer makes, including large and binary content', () => {
    const big = Buffer.alloc(3_000_000, 7);
    const binary = Buffer.from([0, 255, 1, 254, 10, 13]);
    extractZip(createZip({ 'a/b/c.txt': 'nested ❄', 'big.bin': big, 'raw.bin': binary }), dir);
    expect(readFileSync(join(dir, 'a', 'b', 'c.txt'), 'utf8')).toBe('nested ❄');
    expect(readFileSync(join(dir, 'big.bin')).equals(big)).toBe(true);
    expect(readFileSync(join(dir, 'raw.bin')).equals(binary)).toBe(true);
  });

  it('refuses entries that would land outside the directory', () => {
    const inner = join(dir, 'inner');
    expect(() => extractZip(createZip({ '../evil.js': 'x' }), dir)).toThrow(ArchiveError);
    expect(existsSync(join(dir, '..', 'evil.js'))).toBe(false);
    expect(() => extractZip(createZip({ '/etc/evil': 'x' }), inner)).toThrow(ArchiveError);
  });

  it('rejects what is not a zip, and a truncated one', () => {
    expect(isZip(Buffer.from('hello world'))).toBe(false);
    const zip = createZip({ 'index.js': 'x'.repeat(1000) });
    expect(() => readZipEntries(zip.subarray(0, zip.length - 30))).toThrow(ArchiveError);
    const corrupt = Buffer.from(createZip({ 'index.js': 'y'.repeat(1000) }));
    corrupt.fill(0xff, 40, 48); // inside the deflated data of the only entry
    expect(() => readZipEntries(corrupt)[0]?.data()).toThrow(ArchiveError);
  });
});
