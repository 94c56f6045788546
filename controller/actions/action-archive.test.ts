import { deflateSync } from 'node:zlib';
import { createZip } from '../../test/harness/create-zip';
import { isPlatformError } from '../../common/errors/platform-error';
import { ZIP_LIMITS } from '../../common/archive/zip-check';
import { defaultBounds } from '../../common/entities/limits';
import { buildAction } from './action-input';
import { closeJsonParseWorker, parseJsonOffThread } from '../http/json-parse-worker';
import { examinedCodeOf } from '../http/examined-code';

// A zip action is refused before it is stored when the runtime proxy would refuse it at /init.

const context = { namespace: 'guest', name: 'zipped', bounds: defaultBounds(512), now: 1000 };
const asAction = (zip: Buffer) => ({ exec: { kind: 'nodejs:20', code: zip.toString('base64') } });
function refusal(zip: Buffer): { code: string; status: number; message: string } {
  try {
    buildAction(asAction(zip), context);
  } catch (error) {
    if (isPlatformError(error)) return { code: error.code, status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected the archive to be refused');
}

/** One stored entry whose deflated bytes inflate to `inflated` zero bytes: a real bomb, built without inflating it. */
function bomb(inflated: number): Buffer {
  const zeros = Buffer.alloc(inflated);
  const deflated = deflateSync(zeros, { level: 9 });
  const name = Buffer.from('index.js');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(0, 14); // crc left 0: the check must refuse before any CRC is looked at
  local.writeUInt32LE(deflated.length - 6, 18); // raw deflate: zlib's 2-byte header and 4-byte trailer are dropped
  local.writeUInt32LE(inflated, 22);
  local.writeUInt16LE(name.length, 26);
  const data = deflated.subarray(2, deflated.length - 4);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(inflated, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  const centralAt = local.length + name.length + data.length;
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(centralAt, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

describe('zip actions are checked before they are stored', () => {
  it('keeps a valid zip, as the proxy would unpack it', () => {
    const zip = createZip({ 'package.json': '{"main":"index.js"}', 'index.js': 'exports.main = () => ({})', 'lib/a.js': '' });
    expect(buildAction(asAction(zip), context).exec).toMatchObject({ binary: true });
  });

  it('refuses a zip bomb from its central directory, without inflating it', () => {
    const zip = bomb(ZIP_LIMITS.maxInflatedBytes + 1024 * 1024);
    expect(zip.length).toBeLessThan(1024 * 1024); // half a GiB of zeros in well under a megabyte
    const error = refusal(zip);
    expect(error).toMatchObject({ code: 'action-archive-invalid', status: 400 });
    expect(error.message).toContain(`inflates to more than ${ZIP_LIMITS.maxInflatedBytes} bytes`);
  });

  it('refuses an archive whose entries together declare more than the cap', () => {
    const zip = createZip({ 'a.js': 'a', 'b.js': 'b' });
    const first = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE(ZIP_LIMITS.maxInflatedBytes, first + 24);
    expect(refusal(zip)).toMatchObject({ code: 'action-archive-invalid' });
  });

  it.each(['../escape.js', '../../etc/cron.d/x', '/etc/passwd', 'lib/../../up.js', '..\\windows.js'])('refuses an entry named %s', (name) => {
    const error = refusal(createZip({ 'index.js': 'exports.main = () => ({})', [name]: 'x' }));
    expect(error).toMatchObject({ code: 'action-archive-invalid', status: 400 });
    expect(error.message).toContain('points outside the archive');
  });

  it('keeps an entry whose dots stay inside the folder', () => {
    expect(() => buildAction(asAction(createZip({ 'lib/../index.js': 'x', './a.js': 'y' })), context)).not.toThrow();
  });

  it('refuses a zip whose central directory is cut off', () => {
    const zip = createZip({ 'index.js': 'x' });
    expect(refusal(zip.subarray(0, zip.length - 30))).toMatchObject({ code: 'action-archive-invalid' });
  });
});

describe('a large upload examined by the parse worker', () => {
  afterAll(() => closeJsonParseWorker());

  // A zip of ~3 MB of incompressible bytes: its base64 code is past the size the worker examines.
  const big = createZip({ 'package.json': '{"main":"index.js"}', 'index.js': 'exports.main = () => ({})', 'blob.bin': require('node:crypto').randomBytes(3 * 1024 * 1024).toString('latin1') });

  it('hands back whether the code is base64 and its decoded bytes, so the main thread scans nothing again', async () => {
    const body = (await parseJsonOffThread(Buffer.from(JSON.stringify(asAction(big))))) as { exec: object };
    const examined = examinedCodeOf(body.exec);
    expect(examined?.binary).toBe(true);
    expect(examined?.bytes?.equals(big)).toBe(true);
    expect(buildAction(body, context).exec).toMatchObject({ binary: true });
  });

  it("checks the archive the worker decoded: a bomb is refused from the worker's bytes", async () => {
    const body = (await parseJsonOffThread(Buffer.from(JSON.stringify({ exec: { kind: 'nodejs:20', code: bomb(ZIP_LIMITS.maxInflatedBytes + 1024 * 1024).toString('base64') } })))) as { exec: object };
    // Past the size the worker examines: the bytes checked are the ones it decoded.
    expect(examinedCodeOf(body.exec)?.binary).toBe(true);
    let refused: unknown;
    try {
      buildAction(body, context);
    } catch (error) {
      refused = error;
    }
    expect(isPlatformError(refused) && refused.code).toBe('action-archive-invalid');
  });

  it('keeps plain source code plain', async () => {
    const source = `function main() { return {}; } // ${'x'.repeat(300 * 1024)}`;
    const body = (await parseJsonOffThread(Buffer.from(JSON.stringify({ exec: { kind: 'nodejs:20', code: source } })))) as { exec: object };
    expect(examinedCodeOf(body.exec)).toEqual({ binary: false });
    expect(buildAction(body, context).exec).toMatchObject({ binary: false });
  });
});

