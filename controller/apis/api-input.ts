import { API_RESPONSE_TYPES, API_VERBS, type ApiActionRef, type ApiResponseType, type ApiVerb } from '../../common/entities/api-route';
import { isValidName } from '../../common/entities/entity-name';
import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { normalizeBasePath, normalizeRelPath } from './api-path';

// The body `createApi` receives, as the `openwhisk` client's routes.create and `wsk api create`
// send it: `{apidoc: {namespace: '_', gatewayBasePath, gatewayPath, gatewayMethod, apiName?,
// action: {name, namespace, backendUrl, ...}}}` with `responsetype` in the query. Only these
// fields are read; `authkey` and `backendUrl` are not kept (the route runs the web action
// itself, by name, never a URL the caller chose). `namespace` '_' means the caller's.

export interface ApiRouteRequest {
  readonly basePath: string;
  readonly apiName?: string;
  readonly relPath: string;
  readonly verb: ApiVerb;
  readonly responseType: ApiResponseType;
  readonly action: ApiActionRef;
}

export function parseCreateApi(body: Record<string, unknown>, responseTypeQuery: string | undefined, callerNamespace: string): ApiRouteRequest {
  const apidoc = body.apidoc;
  if (!isObject(apidoc)) throw invalid(Messages.fieldRequired('apidoc'));
  if (apidoc.swagger !== undefined) throw invalid(Messages.apiSwaggerUnsupported);
  const basePath = normalizeBasePath(text(apidoc, 'gatewayBasePath', '/'));
  if (basePath === undefined) throw invalid(Messages.apiBasePathInvalid(String(apidoc.gatewayBasePath)));
  const relPath = normalizeRelPath(text(apidoc, 'gatewayPath'));
  if (relPath === undefined) throw invalid(Messages.apiRelPathInvalid(String(apidoc.gatewayPath)));
  const verb = text(apidoc, 'gatewayMethod').toLowerCase();
  if (!(API_VERBS as readonly string[]).includes(verb)) throw invalid(Messages.apiVerbInvalid(verb, API_VERBS));
  const responseType = (responseTypeQuery ?? 'json').toLowerCase();
  if (!(API_RESPONSE_TYPES as readonly string[]).includes(responseType)) throw invalid(Messages.apiResponseTypeInvalid(responseType, API_RESPONSE_TYPES));
  const apiName = apidoc.apiName === undefined ? undefined : text(apidoc, 'apiName');
  if (apiName !== undefined && (apiName.length === 0 || apiName.length > 256)) throw invalid(Messages.fieldType('apidoc.apiName', apiName, 'a string of 1 to 256 characters'));
  return { basePath, ...(apiName !== undefined ? { apiName } : {}), relPath, verb: verb as ApiVerb, responseType: responseType as ApiResponseType, action: actionRef(apidoc.action, callerNamespace) };
}

/** `name` is `action` or `pkg/action`; a namespace of '_' (or none) is the caller's. */
function actionRef(raw: unknown, callerNamespace: string): ApiActionRef {
  if (!isObject(raw)) throw invalid(Messages.fieldRequired('apidoc.action'));
  const name = text(raw, 'name', undefined, 'apidoc.action.name').replace(/^\/+/, '');
  const given = raw.namespace === undefined ? '_' : text(raw, 'namespace', undefined, 'apidoc.action.namespace');
  const namespace = given === '_' || given === '' ? callerNamespace : given;
  const parts = name.split('/');
  if (!isValidName(namespace) || parts.length > 2 || !parts.every(isValidName)) throw invalid(Messages.apiActionInvalid(`${given}/${name}`));
  return parts.length === 2 ? { namespace, pkg: parts[0]!, name: parts[1]! } : { namespace, name: parts[0]! };
}

function text(from: Record<string, unknown>, field: string, fallback?: string, label = `apidoc.${field}`): string {
  const value = from[field];
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string') throw invalid(value === undefined ? Messages.fieldRequired(label) : Messages.fieldType(label, value, 'a string'));
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string): PlatformError {
  return new PlatformError('api-route-invalid', message);
}
