import { annotation, type KeyValue } from '../../common/entities/parameters';
import { timingSafeEqual } from 'node:crypto';

// What a web action's annotations ask of a request (CTL/WebActions.scala, docs/webactions.md).

/** `true` as OpenWhisk's CLI writes it, or the string `'true'` some manifests carry. */
export function isAnnotated(annotations: readonly KeyValue[], key: string): boolean {
  const value = annotation(annotations, key);
  return value === true || value === 'true';
}

export interface WebCaller {
  /** The `X-Require-Whisk-Auth` header, if sent. */
  readonly secret?: string;
  /** The namespace of a valid Basic key the request carried, if any. */
  readonly namespace?: string;
}

/**
 * `require-whisk-auth`: absent or false lets everyone in; a string or number must equal the
 * `X-Require-Whisk-Auth` header; `true` needs a valid key of the action's own namespace (Wisp is
 * stricter than OpenWhisk, which takes any valid key). Any other value lets no one in.
 */
export function webAuthAllowed(annotations: readonly KeyValue[], caller: WebCaller, ownerNamespace: string): boolean {
  const required = annotation(annotations, 'require-whisk-auth');
  if (required === undefined || required === false) return true;
  if (required === true) return caller.namespace === ownerNamespace;
  if (typeof required === 'string' || typeof required === 'number') return caller.secret !== undefined && sameText(caller.secret, String(required));
  return false;
}

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
