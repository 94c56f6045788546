import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';

type Query = Record<string, string | string[] | undefined>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

export function queryBool(query: Query, name: string, fallback: boolean): boolean {
  const raw = single(query, name);
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new PlatformError('query-parameter-invalid', Messages.malformedQuery(name, Messages.queryBoolean(name, raw)));
}

export function queryInt(query: Query, name: string): number | undefined {
  const raw = single(query, name);
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw new PlatformError('query-parameter-invalid', Messages.malformedQuery(name, `'${raw}' is not an integer.`));
  return Number(raw);
}

export function queryString(query: Query, name: string): string | undefined {
  const raw = single(query, name);
  return raw === undefined || raw === '' ? undefined : raw;
}
