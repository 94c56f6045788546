import { CliUsageError } from './cli-error';
import type { Props } from './props-file';

// Where a command sends its requests and with which key, resolved as wsk resolves them: a flag
// over a WHISK_* variable over the property file. NAMESPACE (which wsk itself ignores and
// wskdeploy reads) is the namespace of names that do not give one; `_`, the key's own, otherwise.

export interface GlobalFlags {
  readonly apihost?: string;
  readonly auth?: string;
  readonly insecure?: boolean;
}

export interface Connection {
  /** e.g. `http://127.0.0.1:3233`, no trailing slash. */
  readonly apihost: string;
  readonly auth: string;
  readonly namespace: string;
  /** Accept a self-signed certificate (`-i`). */
  readonly insecure: boolean;
}

export function resolveConnection(flags: GlobalFlags, env: Readonly<Record<string, string | undefined>>, props: Props): Connection {
  const apihost = flags.apihost ?? nonEmpty(env.WHISK_APIHOST) ?? nonEmpty(props.get('APIHOST'));
  const auth = flags.auth ?? nonEmpty(env.WHISK_AUTH) ?? nonEmpty(props.get('AUTH'));
  if (auth === undefined) throw new CliUsageError("The API authentication key is not set; run 'wisp property set --auth KEY' or give --auth (--auth is required).");
  if (apihost === undefined) throw new CliUsageError("The API host is not set; run 'wisp property set --apihost HOST' or give --apihost.");
  return { apihost: normalizeApihost(apihost), auth, namespace: nonEmpty(props.get('NAMESPACE')) ?? '_', insecure: flags.insecure === true };
}

/** wsk takes a host without a scheme as https, and so does wisp. */
export function normalizeApihost(apihost: string): string {
  const withScheme = /^https?:\/\//i.test(apihost) ? apihost : `https://${apihost}`;
  return withScheme.replace(/\/+$/, '');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
