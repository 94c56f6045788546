import type { ApiDoc, ApiRoute } from '../../common/entities/api-route';

// Base paths and relative paths of API routes, and matching a request's path against them. A
// segment is unreserved URL characters only (RFC 3986), or `{name}` in a relative path for a path
// parameter, so a stored route can neither escape `/api/{namespace}` nor smuggle '..', '%' or
// a query into the gateway URL it is served at.

const LITERAL = /^[A-Za-z0-9._~-]+$/;
const PARAMETER = /^\{([A-Za-z_][A-Za-z0-9_]{0,63})\}$/;
const MAX_PATH_LENGTH = 512;

/** `/shop/`, `shop` or `/` as the one form stored: a leading slash, no trailing one (`/` for the root); undefined when invalid. */
export function normalizeBasePath(raw: string): string | undefined {
  const segments = pathSegments(raw);
  if (!segments || segments.some((s) => !isLiteral(s))) return undefined;
  return `/${segments.join('/')}`;
}

/** `/items/{id}` in the one form stored; undefined when invalid or when a parameter name repeats. */
export function normalizeRelPath(raw: string): string | undefined {
  const segments = pathSegments(raw);
  if (!segments) return undefined;
  const names = new Set<string>();
  for (const segment of segments) {
    const param = PARAMETER.exec(segment)?.[1];
    if (param !== undefined) {
      if (names.has(param)) return undefined;
      names.add(param);
    } else if (!isLiteral(segment)) return undefined;
  }
  return `/${segments.join('/')}`;
}

/** The path parameter names of a relative path, in order. */
export function pathParameterNames(relPath: string): string[] {
  return relPath.split('/').flatMap((segment) => {
    const name = PARAMETER.exec(segment)?.[1];
    return name === undefined ? [] : [name];
  });
}

export interface RouteMatch {
  readonly api: ApiDoc;
  readonly route: ApiRoute;
  /** Decoded values of the relative path's parameters. */
  readonly parameters: Readonly<Record<string, string>>;
  /** The request path after the base path (`/items/42`), as the action's `__ow_path`. */
  readonly relPath: string;
}

/**
 * The route of `apis` that answers `verb` on `path` (the request path after `/api/{namespace}`,
 * undecoded). Literal segments beat parameters, and a longer base path beats a shorter one, so
 * `/items/new` reaches its own route before `/items/{id}`.
 */
export function matchRoute(apis: readonly ApiDoc[], verb: string, path: string): RouteMatch | undefined {
  const requested = splitRequestPath(path);
  if (!requested) return undefined;
  let best: { match: RouteMatch; score: number[] } | undefined;
  for (const api of apis) {
    const base = api.basePath === '/' ? [] : api.basePath.slice(1).split('/');
    if (base.length > requested.length || base.some((segment, i) => segment !== requested[i])) continue;
    const rest = requested.slice(base.length);
    for (const route of api.routes) {
      if (route.verb !== verb) continue;
      const found = matchSegments(route.relPath, rest);
      if (!found) continue;
      const score = [base.length, ...found.literal];
      if (!best || compareScores(score, best.score) > 0) {
        best = { match: { api, route, parameters: found.parameters, relPath: `/${rest.join('/')}` }, score };
      }
    }
  }
  return best?.match;
}

function matchSegments(relPath: string, rest: readonly string[]): { parameters: Record<string, string>; literal: number[] } | undefined {
  const template = relPath === '/' ? [] : relPath.slice(1).split('/');
  if (template.length !== rest.length) return undefined;
  const parameters: [string, string][] = [];
  const literal: number[] = [];
  for (let i = 0; i < template.length; i++) {
    const segment = template[i]!;
    const value = rest[i]!;
    const name = PARAMETER.exec(segment)?.[1];
    if (name !== undefined) {
      parameters.push([name, value]);
      literal.push(0);
    } else if (segment === value) literal.push(1);
    else return undefined;
  }
  return { parameters: Object.fromEntries(parameters), literal };
}

function compareScores(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Decoded, non-empty segments of a request path; undefined when one does not decode or is '.'/'..'. */
function splitRequestPath(path: string): string[] | undefined {
  const segments: string[] = [];
  for (const raw of path.split('/')) {
    if (raw === '') continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (decoded === '.' || decoded === '..') return undefined;
    segments.push(decoded);
  }
  return segments;
}

function pathSegments(raw: string): string[] | undefined {
  if (raw.length === 0 || raw.length > MAX_PATH_LENGTH || !raw.startsWith('/')) return undefined;
  const segments = raw.split('/').filter((s, i, all) => !(s === '' && (i === 0 || i === all.length - 1)));
  return segments.every((s) => s !== '') ? segments : undefined;
}

function isLiteral(segment: string): boolean {
  return LITERAL.test(segment) && segment !== '.' && segment !== '..';
}
