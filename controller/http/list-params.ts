import { PlatformError } from '../../common/errors/platform-error';

// OpenWhisk's list parameters (RestApiCommons): limit defaults to 30, 0 means the maximum of
// 200, above 200 is refused; skip must not be negative.

export const DEFAULT_LIST_LIMIT = 30;
export const MAX_LIST_LIMIT = 200;

type Query = Record<string, string | string[] | undefined>;

export interface ListParams {
  readonly skip: number;
  readonly limit: number;
  readonly count: boolean;
}

export function listParams(query: Query, collection: string): ListParams {
  const limit = intParam(query, 'limit', collection) ?? DEFAULT_LIST_LIMIT;
  const skip = intParam(query, 'skip', collection) ?? 0;
  if (limit < 0 || limit > MAX_LIST_LIMIT) {
    throw new PlatformError('list-parameter-invalid', `The value '${limit}' is not in the range of 0 to ${MAX_LIST_LIMIT} for ${collection}.`);
  }
  if (skip < 0) throw new PlatformError('list-parameter-invalid', `The value '${skip}' is not greater than or equal to 0 for ${collection}.`);
  const countRaw = first(query.count);
  return { skip, limit: limit === 0 ? MAX_LIST_LIMIT : limit, count: countRaw === 'true' };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

function intParam(query: Query, name: string, collection: string): number | undefined {
  const raw = first(query[name]);
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw new PlatformError('list-parameter-invalid', `The value '${raw}' is not an integer for ${collection}.`);
  return Number(raw);
}
