import { Agent, request } from 'node:http';
import { GUEST_AUTH } from '../common/entities/credentials';
import { DEV_KEYS_ENV } from '../test/harness/dev-keys';
import { TEST_MESSAGE_KEY_ENV } from '../test/harness/message-key';

// What every benchmark sends: one request as the guest namespace over a keep-alive agent, the
// answer read whole. Plain node:http, so the client adds as little as possible to the figures.

const AUTH = `Basic ${Buffer.from(GUEST_AUTH).toString('base64')}`;

/**
 * Invoker settings for benchmarks that call the invoker's containers directly as their floor:
 * an idle stem cell (never /init-ed) would answer /run with an error, and a container paused
 * after the idle grace would hang the direct calls.
 */
/** What every distributed process a benchmark starts needs: one message key, and the guest key allowed. */
export const BENCH_PLATFORM_ENV = { ...TEST_MESSAGE_KEY_ENV, ...DEV_KEYS_ENV };

export const NO_STEM_CELLS = { WISP_INVOKER_PREWARM_NODEJS: '0', WISP_INVOKER_PAUSE_GRACE_MS: String(3_600_000) };

/** `anonymous` sends no key, as a browser calling a web action does. */
export function apiCall(agent: Agent, url: string, method: string, body?: string, options: { anonymous?: boolean } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = options.anonymous ? {} : { Authorization: AUTH };
    if (body !== undefined) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    const req = request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
