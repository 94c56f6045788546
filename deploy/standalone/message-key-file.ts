import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateMessageKeyText } from '../../common/protocol/message-seal';

// Standalone's controller and invoker share one process, but its bus is durable on disk: a key
// made per process would leave the messages accepted before a restart sealed under a key nobody
// holds. So the key belongs to the data dir: made once, owner-readable only, read on every start.

export const MESSAGE_KEY_FILE = 'message.key';

export function dataDirMessageKey(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, MESSAGE_KEY_FILE);
  try {
    writeFileSync(path, `${generateMessageKeyText()}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(path, 'utf8').trim();
}
