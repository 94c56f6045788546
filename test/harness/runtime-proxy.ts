import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { LOG_SENTINEL } from '../../common/protocol/runtime-protocol';
import { createZip } from './create-zip';
import { freePort } from './free-port';

// An action runtime proxy as it really runs: its own process on a free loopback port, spoken to
// over plain node:http (no keep-alive, so a test sees each request exactly as a container would).

export interface RuntimeReply {
  readonly status: number;
  readonly body: unknown;
}

/** How to start one language's proxy; PORT and WISP_RUNTIME_HOST are added to `env`. */
export interface RuntimeLaunch {
  readonly command: string;
  readonly args: readonly string[];
}

export interface RunningRuntimeProxy {
  readonly url: string;
  readonly stdout: () => string[];
  readonly stderr: () => string[];
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
  post(path: string, body: unknown, raw?: string, headers?: Record<string, string>): Promise<RuntimeReply>;
  request(method: string, path: string, raw?: string, headers?: Record<string, string>): Promise<RuntimeReply>;
  /** Ends the proxy's stdin (stdin is a pipe only when started with `stdin: 'pipe'`). */
  closeStdin(): void;
  stop(): Promise<void>;
}

export interface RuntimeProxyStarter {
  (env?: Record<string, string>, options?: { stdin?: 'pipe' | 'ignore' }): Promise<RunningRuntimeProxy>;
}

const running = new Set<ChildProcess>();

function stopChild(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Kills every proxy this module started that a test left running (for afterAll). */
export async function stopAllRuntimeProxies(): Promise<void> {
  await Promise.all([...running].map(stopChild));
}

export function requestJson(url: string, path: string, body: unknown, raw?: string, method = 'POST', headers: Record<string, string> = {}): Promise<RuntimeReply> {
  const payload = raw ?? JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent: false, headers: { ...headers, 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : (JSON.parse(text) as unknown) });
      });
    });
    req.on('error', reject);
    req.end(method === 'GET' ? undefined : payload);
  });
}

/** A starter for `launch`: each call spawns a proxy and resolves once it answers HTTP. */
export function runtimeProxyStarter(launch: RuntimeLaunch, readyWithinMs = 10_000): RuntimeProxyStarter {
  return async (env = {}, options = {}) => {
    const port = await freePort();
    // Only what is given here: a process container's proxy starts with an otherwise empty environment.
    const child = spawn(launch.command, [...launch.args], {
      env: { PORT: String(port), WISP_RUNTIME_HOST: '127.0.0.1', ...env },
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + readyWithinMs;
    for (;;) {
      try {
        await requestJson(url, '/nothing', {});
        break;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`${(error as Error).message}\n${err}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    const lines = (text: string) => text.split('\n').filter((l) => l !== '');
    return {
      url,
      stdout: () => lines(out),
      stderr: () => lines(err),
      exited,
      post: (path, body, raw, headers) => requestJson(url, path, body, raw, 'POST', headers),
      request: (method, path, raw, headers) => requestJson(url, path, undefined, raw, method, headers),
      closeStdin: () => void child.stdin?.end(),
      stop: () => stopChild(child),
    };
  };
}

/** Fails unless exactly `count` sentinels have arrived on both stdout and stderr within two seconds. */
export async function waitForSentinels(proxy: RunningRuntimeProxy, count: number): Promise<void> {
  const deadline = Date.now() + 2000;
  const seen = () =>
    Math.min(proxy.stdout().filter((l) => l === LOG_SENTINEL).length, proxy.stderr().filter((l) => l === LOG_SENTINEL).length);
  while (seen() < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(seen()).toBe(count);
}

/** The /init body for plain source code. */
export const initBody = (code: string, extra: Record<string, unknown> = {}) => ({ value: { name: 'a', main: 'main', binary: false, code, ...extra } });

/** The /init body for a zip archive of `files`. */
export const zipInitBody = (files: Record<string, string>, main = 'main') => ({
  value: { name: 'z', main, binary: true, code: createZip(files).toString('base64') },
});
