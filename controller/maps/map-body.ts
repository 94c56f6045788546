import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';

// The body of `POST …/actions/{name}?map=true` (ADR 0028): `{"items": [p1, …], "params": {…}}`.
// Everything is checked before anything runs; each item's payload is the shared params with the
// item over them (a non-object item boxed as `{"value": item}`, as OpenWhisk boxes params).

export const MAX_MAP_ITEMS = 1000;
export const DEFAULT_MAP_CONCURRENCY = 8;
export const MAX_MAP_CONCURRENCY = 64;
/** 1,000 items of a few KB each; larger inputs belong in object storage, named by the items. */
export const MAP_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

export interface MapBody {
  readonly params: Record<string, unknown>;
  readonly payloads: Record<string, unknown>[];
}

export function parseMapBody(body: Record<string, unknown>): MapBody {
  const { items, params } = body;
  if (!Array.isArray(items) || items.length === 0) throw new PlatformError('map-items-invalid', Messages.mapItemsInvalid(MAX_MAP_ITEMS, items));
  if (items.length > MAX_MAP_ITEMS) throw new PlatformError('map-items-invalid', Messages.mapTooManyItems(items.length, MAX_MAP_ITEMS));
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    throw new PlatformError('field-invalid', Messages.malformedContent(Messages.fieldType('params', params, 'an object')));
  }
  const shared = (params ?? {}) as Record<string, unknown>;
  const payloads = items.map((item: unknown) => ({ ...shared, ...(typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>) : { value: item }) }));
  return { params: shared, payloads };
}

/** `?concurrency=` (default 8, 1 to 64), never above what the namespace may run at once. */
export function mapConcurrency(asked: number | undefined, namespaceLimit: number | undefined): number {
  if (asked !== undefined && (asked < 1 || asked > MAX_MAP_CONCURRENCY)) throw new PlatformError('map-concurrency-invalid', Messages.mapConcurrencyInvalid(MAX_MAP_CONCURRENCY));
  const wanted = asked ?? DEFAULT_MAP_CONCURRENCY;
  return namespaceLimit === undefined ? wanted : Math.max(1, Math.min(wanted, namespaceLimit));
}
