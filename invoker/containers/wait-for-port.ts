import { connect } from 'node:net';

// A container is ready when its runtime accepts TCP. Connecting is polled (every few ms, as
// the runtime starts in a few hundred) rather than retried over HTTP, so no request ever
// reaches a half-started proxy.

export interface WaitForPortOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Aborted when waiting is pointless, e.g. the process has already exited. */
  readonly signal?: AbortSignal;
}

export async function waitForPort(host: string, port: number, options: WaitForPortOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 5;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (options.signal?.aborted) throw abortError(options.signal);
    try {
      await tryConnect(host, port, Math.max(1, Math.min(1000, deadline - Date.now())));
      return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  const reason = isError(lastError) ? `: ${lastError.message}` : '';
  throw new Error(`${host}:${port} did not accept connections within ${options.timeoutMs} ms${reason}`);
}

function tryConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('connect timed out'));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

function abortError(signal: AbortSignal): Error {
  return isError(signal.reason) ? signal.reason : new Error('waiting for the port was aborted');
}

// Duck-typed: errors raised by Node's internals may come from another realm (jest's sandbox).
function isError(value: unknown): value is Error {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}
