import type { StartKind, StatusCode } from '../../common/entities/activation';
import { START_KINDS } from '../../common/entities/activation';
import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { isValidName } from '../../common/entities/entity-name';
import { isActivationId } from '../../common/ids';
import type { ActivationFilter, ActivationPosition } from '../../common/spi/activation-store';
import { decodeCursor } from './activation-cursor';
import { queryBool, queryString } from './query';

// The activation list's query beyond OpenWhisk's limit/skip/count (list-params.ts): its filters,
// OpenWhisk's (name, since, upto) and Wisp's (status, start, trigger, cause, minDuration), and
// cursor paging. Every value is checked here; a store sees only valid filters (ADR 0023).

type Query = Record<string, string | string[] | undefined>;

const NAME_FILTER = /^[^/]+(?:\/[^/]+)?$/;

/** The `status` filter's words, as the API spells them, for the record's statusCode. */
export const STATUS_FILTERS: Readonly<Record<string, StatusCode>> = {
  success: 0,
  application_error: 1,
  developer_error: 2,
  internal_error: 3,
};

export interface ActivationListQuery {
  readonly filter: ActivationFilter;
  readonly after?: ActivationPosition;
  /** `?paged=true`: answer `{activations, nextCursor}` instead of OpenWhisk's array. */
  readonly paged: boolean;
}

/** `namespace` is the one listed: a trigger is named within it. */
export function activationListQuery(query: Query, namespace: string): ActivationListQuery {
  const name = queryString(query, 'name');
  if (name !== undefined && !NAME_FILTER.test(name)) throw new PlatformError('query-parameter-invalid', `Parameter may be a 'simple' name or 'package-name/simple' name: ${name}`);
  const since = epochParam(query, 'since');
  const upto = epochParam(query, 'upto');
  if (since !== undefined && upto !== undefined && since > upto) throw new PlatformError('activation-range-inverted', Messages.activationRangeInverted(since, upto));
  const status = oneOf(query, 'status', Object.keys(STATUS_FILTERS));
  const start = oneOf(query, 'start', START_KINDS) as StartKind | undefined;
  const trigger = triggerParam(query, 'trigger');
  const cause = activationIdParam(query, 'cause');
  const minDuration = durationParam(query, 'minDuration');
  const cursor = queryString(query, 'cursor');
  const filter: ActivationFilter = {
    ...(name !== undefined ? { name } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(upto !== undefined ? { upto } : {}),
    ...(status !== undefined ? { status: STATUS_FILTERS[status]! } : {}),
    ...(start !== undefined ? { start } : {}),
    ...(cause !== undefined ? { cause } : {}),
    ...(trigger !== undefined ? { trigger: `${namespace}/${trigger}` } : {}),
    ...(minDuration !== undefined ? { minDuration } : {}),
  };
  return { filter, ...(cursor !== undefined ? { after: decodeCursor(cursor) } : {}), paged: queryBool(query, 'paged', false) };
}

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  const raw = Array.isArray(value) ? value[value.length - 1] : value;
  return raw === '' ? undefined : raw;
}

/** OpenWhisk's check and message for since/upto. */
function epochParam(query: Query, name: string): number | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,16}$/.test(value)) throw new PlatformError('query-parameter-invalid', `Parameter is not a valid value for epoch seconds: ${value}`);
  return Number(value);
}

function oneOf(query: Query, name: string, allowed: readonly string[]): string | undefined {
  const value = single(query, name);
  if (value === undefined || allowed.includes(value)) return value;
  throw new PlatformError('activation-filter-invalid', Messages.activationFilterInvalid(name, value, `one of '${allowed.join("', '")}'`));
}

function activationIdParam(query: Query, name: string): string | undefined {
  const value = single(query, name);
  if (value === undefined || isActivationId(value)) return value;
  throw new PlatformError('activation-filter-invalid', Messages.activationFilterInvalid(name, value, 'an activation id (32 lowercase hex characters)'));
}

/** A trigger's simple name (a rule may only name a trigger of its own namespace). */
function triggerParam(query: Query, name: string): string | undefined {
  const value = single(query, name);
  if (value === undefined || isValidName(value)) return value;
  throw new PlatformError('activation-filter-invalid', Messages.activationFilterInvalid(name, value, "a trigger's name"));
}

function durationParam(query: Query, name: string): number | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,10}$/.test(value)) throw new PlatformError('activation-filter-invalid', Messages.activationFilterInvalid(name, value, 'a whole number of milliseconds'));
  return Number(value);
}
