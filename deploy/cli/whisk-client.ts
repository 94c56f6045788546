import { CliHttpError, CliNetworkError } from './cli-error';
import type { Connection } from './connection';
import type { HttpTransport } from './http-transport';

// The REST API v1 as wsk's client-go calls it: Basic auth, JSON bodies, and an error answer
// read as OpenWhisk's `{error, code}`, where `code` is the transaction id a bug report needs.

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface WhiskAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly requestId: string | undefined;
}

export interface WhiskCall {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Below `/api/v1/`, e.g. `namespaces/_/actions/hello`. */
  readonly path: string;
  readonly query?: Query;
  readonly body?: unknown;
}

export class WhiskClient {
  constructor(
    readonly connection: Connection,
    private readonly transport: HttpTransport,
    private readonly userAgent: string,
  ) {}

  /** Any status is an answer here; only no answer at all throws. */
  async send(call: WhiskCall): Promise<WhiskAnswer> {
    const url = new URL(`${this.connection.apihost}/api/v1/${call.path}`);
    for (const [key, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = {
      authorization: `Basic ${Buffer.from(this.connection.auth).toString('base64')}`,
      accept: 'application/json',
      'user-agent': this.userAgent,
    };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    let response;
    try {
      response = await this.transport({ method: call.method, url, headers, insecure: this.connection.insecure, ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}) });
    } catch (err) {
      throw new CliNetworkError(`Unable to reach ${this.connection.apihost}: ${(err as Error).message}`);
    }
    let body: unknown;
    try {
      body = response.text === '' ? undefined : JSON.parse(response.text);
    } catch {
      if (response.status < 400) throw new CliNetworkError(`The answer of ${call.method} ${url.pathname} is not JSON (HTTP status code ${response.status}).`);
      body = response.text;
    }
    return { status: response.status, body, requestId: response.headers['x-request-id'] };
  }

  /** A 2xx answer's body; anything else throws with `what` (e.g. "get action 'hello'") leading the message. */
  async call(call: WhiskCall, what: string): Promise<unknown> {
    const answer = await this.send(call);
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    throw httpError(answer, what);
  }
}

export function httpError(answer: WhiskAnswer, what: string): CliHttpError {
  const body = answer.body as { error?: unknown; code?: unknown } | undefined;
  const message = typeof body?.error === 'string' ? body.error : `The connection failed, or timed out. (HTTP status code ${answer.status})`;
  const code = typeof body?.code === 'string' || typeof body?.code === 'number' ? String(body.code) : answer.requestId;
  return new CliHttpError(`Unable to ${what}: ${message}${code !== undefined ? ` (code ${code})` : ''}`, answer.status, code, answer.body);
}
