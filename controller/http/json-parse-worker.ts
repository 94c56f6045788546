import { Worker } from 'node:worker_threads';
import { BASE64_PATTERN_SOURCE } from '../../common/entities/action';
import { noteExaminedCode } from './examined-code';

/** Codes from this length up are examined on the worker (smaller ones cost the main thread little). */
const EXAMINE_CODE_BYTES = 256 * 1024;

// Parses large request bodies on a worker thread, so one caller's 48 MB action upload does not
// stop the event loop for every other caller for the ~100 ms JSON.parse takes (measured: the
// main thread then stalls ~30 ms, for the clone of the result, instead of ~95 ms; one hand-run
// measurement on a 2-core machine, not a bench/ figure).
// One worker, made on first use and unref()'d: it never keeps the process alive. Its source is
// inline (eval) so the same code runs under tsx, jest and the compiled build without a loader.

// A large `exec.code` is examined there too (examined-code.ts): the same base64 test as
// isBinaryCode, and the decoded bytes handed back without a copy.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const BASE64 = new RegExp(${JSON.stringify(BASE64_PATTERN_SOURCE)});
function examine(value) {
  const exec = value && typeof value === 'object' ? value.exec : undefined;
  const code = exec && typeof exec === 'object' ? exec.code : undefined;
  if (typeof code !== 'string' || code.length < ${EXAMINE_CODE_BYTES}) return undefined;
  const trimmed = code.trim();
  const binary = trimmed.length > 0 && trimmed.length % 4 === 0 && BASE64.test(trimmed);
  if (!binary) return { binary };
  const decoded = Buffer.from(trimmed, 'base64');
  const own = decoded.byteOffset === 0 && decoded.byteLength === decoded.buffer.byteLength ? decoded : Buffer.from(decoded);
  return { binary, bytes: own.buffer };
}
parentPort.on('message', ({ id, bytes }) => {
  try {
    const value = JSON.parse(Buffer.from(bytes).toString('utf8'));
    const examined = examine(value);
    parentPort.postMessage({ id, ok: true, value, examined }, examined && examined.bytes ? [examined.bytes] : []);
  } catch (error) {
    parentPort.postMessage({ id, ok: false, message: String(error && error.message) });
  }
});`;

type Reply = { id: number; ok: true; value: unknown; examined?: { binary: boolean; bytes?: ArrayBuffer } } | { id: number; ok: false; message: string };

/** JSON.parse's message, carried back from the worker. */
export class OffThreadJsonError extends Error {}

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

function theWorker(): Worker {
  if (worker) return worker;
  const made = new Worker(WORKER_SOURCE, { eval: true });
  made.unref();
  made.on('message', (reply: Reply) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (reply.ok) {
      const exec = (reply.value as { exec?: unknown } | null)?.exec;
      if (reply.examined && typeof exec === 'object' && exec !== null) {
        noteExaminedCode(exec, { binary: reply.examined.binary, ...(reply.examined.bytes ? { bytes: Buffer.from(reply.examined.bytes) } : {}) });
      }
      waiter.resolve(reply.value);
    }
    else waiter.reject(new OffThreadJsonError(reply.message));
  });
  // A worker that dies takes its pending parses with it; the next parse makes another.
  const fail = (error: Error) => {
    if (worker === made) worker = undefined;
    for (const [id, waiter] of pending) {
      pending.delete(id);
      waiter.reject(error);
    }
  };
  made.on('error', fail);
  made.on('exit', (code) => fail(new Error(`the JSON parse worker exited with ${code}`)));
  worker = made;
  return made;
}

/** JSON.parse(bytes as UTF-8) on the worker; rejects with OffThreadJsonError for malformed JSON. */
export function parseJsonOffThread(bytes: Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    // Copied rather than transferred: the Buffer may be a slice of Node's shared pool.
    theWorker().postMessage({ id, bytes });
  });
}

/** Ends the worker (the controller's stop); a later parse makes another. */
export async function closeJsonParseWorker(): Promise<void> {
  const closing = worker;
  worker = undefined;
  await closing?.terminate();
}
