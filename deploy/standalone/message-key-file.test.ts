import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMessageKey } from '../../common/protocol/message-seal';
import { dataDirMessageKey, MESSAGE_KEY_FILE } from './message-key-file';

describe('the standalone data dir keeps its message key', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'wisp-key-'));
    dirs.push(dir);
    return join(dir, 'data');
  };

  it('makes a valid key once, readable by the owner only, and reads the same one on the next start', () => {
    const dir = fresh();
    const first = dataDirMessageKey(dir);
    expect(parseMessageKey(first)).toBeDefined();
    expect(statSync(join(dir, MESSAGE_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(dataDirMessageKey(dir)).toBe(first);
  });

  it('gives another data dir another key', () => {
    expect(dataDirMessageKey(fresh())).not.toBe(dataDirMessageKey(fresh()));
  });
});
