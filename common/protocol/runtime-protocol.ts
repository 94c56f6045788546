// The /init + /run protocol between an invoker and a runtime proxy (clients-and-runtimes §3),
// the one place both sides take it from. A runtime proxy is bundled into an image on its own,
// so this file imports nothing. The python proxy (actions/runtime-python/proxy.py) keeps its
// own copy of the sentinel.

/** Printed on stdout and on stderr after every /run (and a failed /init): the activation's logs end here. */
export const LOG_SENTINEL = 'XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX';

/**
 * A container's own secret, in the runtime's start environment: the proxy reads it, removes it
 * from its environment before any action code loads, and then answers only requests that carry
 * it in PROXY_TOKEN_HEADER (anything else is 403 and runs nothing). A runtime started without it
 * answers everyone, as before.
 */
export const PROXY_TOKEN_ENV = '__WISP_PROXY_TOKEN';
/** The header the invoker sends the container's token in, on every /init and /run. */
export const PROXY_TOKEN_HEADER = 'x-wisp-proxy-token';

/** What an invoker sends to /init, once per container. */
export interface InitPayload {
  readonly value: InitValue;
}

export interface InitValue {
  readonly name: string;
  readonly main: string;
  /** Absent for a code-less blackbox, which gets an /init without code as OpenWhisk sends it. */
  readonly code?: string;
  /** `code` is a base64 zip archive. */
  readonly binary: boolean;
  /** Init parameters and the `__OW_*` activation context, exported before the code loads. */
  readonly env: Readonly<Record<string, string>>;
}

/** The activation's context; each field becomes `__OW_<FIELD>` for the run. */
export interface ActivationContext {
  readonly namespace: string;
  readonly action_name: string;
  readonly action_version: string;
  readonly activation_id: string;
  readonly transaction_id: string;
  /** Epoch milliseconds, as a string. */
  readonly deadline: string;
  /** The caller's key, only for an action annotated `provide-api-key: true`. */
  readonly api_key?: string;
}

/** What an invoker sends to /run, once per activation. */
export interface RunPayload extends ActivationContext {
  readonly value: unknown;
}

/** A payload as a proxy receives it: any field may be missing or of the wrong type. */
export type Unchecked<T> = { readonly [K in keyof T]?: unknown } & { readonly [field: string]: unknown };
