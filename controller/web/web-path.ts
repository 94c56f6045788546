import { isValidName } from '../../common/entities/entity-name';

// `/api/v1/web/{namespace}/{package|default}/{action}{.ext}{/extra/path}` split into what it
// names (CTL/WebActions.scala). Segments are percent-decoded one by one and must be entity
// names, so `..`, an encoded slash or any other way out of `{namespace}` is simply not a name.
// As in OpenWhisk (enforceExtension=false) a name without a known extension is asked for as
// `.http`; an unknown-looking suffix is kept so the route can say 406 when the base name is a web
// action.

export const WEB_PREFIX = '/api/v1/web/';
export const WEB_EXTENSIONS = ['http', 'json', 'html', 'svg', 'text'] as const;
export type WebExtension = (typeof WEB_EXTENSIONS)[number];

export interface WebPath {
  readonly namespace: string;
  /** Absent for `default`, the namespace's root. */
  readonly pkg?: string;
  readonly name: string;
  readonly extension: WebExtension;
  /** The undecoded rest after the action segment (`/a/b`, or '' when none): `__ow_path`, and a projection for non-`.http` answers. */
  readonly extraPath: string;
  /** With no known extension and a name like `base.xyz`: `base`, in case `base` is the web action meant. */
  readonly unknownExtensionBase?: string;
}

/** `rest` is the raw path after WEB_PREFIX; undefined when it cannot name a web action. */
export function parseWebPath(rest: string): WebPath | undefined {
  const parts = rest.split('/');
  if (parts.length < 3) return undefined;
  const [nsRaw, pkgRaw, actionRaw] = parts as [string, string, string];
  const namespace = decodeName(nsRaw);
  const pkgName = decodeName(pkgRaw);
  const action = decodeName(actionRaw);
  if (namespace === undefined || pkgName === undefined || action === undefined) return undefined;
  const extraPath = parts.length > 3 ? `/${parts.slice(3).join('/')}` : '';
  const pkg = pkgName === 'default' ? {} : { pkg: pkgName };
  const known = WEB_EXTENSIONS.find((ext) => action.endsWith(`.${ext}`) && action.length > ext.length + 1);
  if (known) {
    const name = action.slice(0, -(known.length + 1));
    return isValidName(name) ? { namespace, ...pkg, name, extension: known, extraPath } : undefined;
  }
  const suffix = /^(.+)\.[A-Za-z0-9]{1,16}$/.exec(action);
  const base = suffix?.[1];
  return { namespace, ...pkg, name: action, extension: 'http', extraPath, ...(base && isValidName(base) ? { unknownExtensionBase: base } : {}) };
}

/** The projection a non-`.http` answer applies: the extra path's non-empty segments, decoded. */
export function projectionOf(extraPath: string): string[] | undefined {
  const segments: string[] = [];
  for (const raw of extraPath.split('/')) {
    if (raw === '') continue;
    try {
      segments.push(decodeURIComponent(raw));
    } catch {
      return undefined;
    }
  }
  return segments;
}

function decodeName(raw: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  return isValidName(decoded) ? decoded : undefined;
}
