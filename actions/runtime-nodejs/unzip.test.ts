import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createZip } from '../../test/harness/create-zip';
import { ArchiveError } from '../../common/archive/archive-error';
import { extractZip, isZip, ZIP_LIMITS } from './unzip';

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
    extractZip(data, dir);
    expect(readdirSync(dir, { recursive: true }).map(String).sort()).toEqual(['index.js', 'lib', join('lib', 'greet.js'), 'package.json']);
    expect(statSync(join(dir, 'lib')).isDirectory()).toBe(true);
    expect(statSync(join(dir, 'index.js')).mode & 0o777).toBe(0o644);
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
    expect(() => extractZip(zip.subarray(0, zip.length - 30), dir)).toThrow(ArchiveError);
    const corrupt = Buffer.from(createZip({ 'index.js': 'y'.repeat(1000) }));
    corrupt.fill(0xff, 40, 48); // inside the deflated data of the only entry
    expect(() => extractZip(corrupt, dir)).toThrow(ArchiveError);
    expect(existsSync(join(dir, 'index.js'))).toBe(false);
  });

  it('refuses an archive past the entry or inflated-size cap before writing anything', () => {
    const files = { 'a.txt': 'a'.repeat(600), 'b.txt': 'b'.repeat(600) };
    expect(() => extractZip(createZip(files), dir, { ...ZIP_LIMITS, maxEntries: 1 })).toThrow(new ArchiveError('more than 1 entries'));
    expect(() => extractZip(createZip(files), dir, { ...ZIP_LIMITS, maxInflatedBytes: 1000 })).toThrow(new ArchiveError('inflates to more than 1000 bytes'));
    expect(readdirSync(dir)).toEqual([]);
    extractZip(createZip(files), dir, { maxEntries: 2, maxInflatedBytes: 1200 });
    expect(readdirSync(dir).sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('refuses an entry whose declared size is a lie, without inflating past it', () => {
    const zip = createZip({ 'index.js': 'z'.repeat(100_000) });
    const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE(0xf0000000, central + 24); // declares 3.75 GiB
    expect(() => extractZip(zip, dir)).toThrow(new ArchiveError(`inflates to more than ${ZIP_LIMITS.maxInflatedBytes} bytes`));
    zip.writeUInt32LE(10, central + 24); // declares less than it holds
    expect(() => extractZip(zip, dir)).toThrow(new ArchiveError("entry 'index.js' is corrupt"));
    expect(readdirSync(dir)).toEqual([]);
  });
});
