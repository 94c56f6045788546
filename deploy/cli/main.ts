#!/usr/bin/env node
import { homedir } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeHttpTransport } from './http-transport';
import { runCli } from './run-cli';

// `wisp`, the package's bin: `npx wisp action list` in a checkout, after `npm run build`. The
// process's environment, streams and signals are handed to runCli here and nowhere else.

const argv = process.argv.slice(2);
const interrupted = new AbortController();
// Only `activation poll` stops cleanly on Ctrl-C (exit 0, as wsk's); every other command dies by the signal as usual.
const command = argv.indexOf('activation');
if (command !== -1 && argv[command + 1] === 'poll') process.once('SIGINT', () => interrupted.abort());

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

runCli(argv, {
  env: process.env,
  home: homedir(),
  out: { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) },
  transport: nodeHttpTransport,
  interrupted: interrupted.signal,
  now: Date.now,
  sleep,
  version: version(),
}).then((code) => {
  // Let stdout drain (a pipe to a script) before the exit code is set.
  process.exitCode = code;
});
