import type { Context, Middleware } from 'koa';
import type { ActionDoc } from '../../common/entities/action';
import type { Identity } from '../../common/entities/identity';
import { Messages } from '../../common/errors/messages';
import { PlatformError, isPlatformError } from '../../common/errors/platform-error';
import type { ActionService } from '../actions/action-service';
import { readRawBody } from '../http/read-json-body';
import type { RequestState } from '../http/request-context';
import type { IdentityService } from '../identity/identity-service';
import type { Dispatcher } from '../invocation/dispatcher';
import type { PackageResolver, ResolvedAction } from '../packages/package-resolver';
import type { Throttler } from '../throttles/throttler';
import { isAnnotated, webAuthAllowed } from '../web/web-annotations';
import { removeWebCors, setWebCors, WEB_METHODS } from '../web/web-cors';
import { parseWebPath, projectionOf, WEB_EXTENSIONS, WEB_PREFIX, type WebPath } from '../web/web-path';
import { webArguments } from '../web/web-request';
import { webAnswer, type WebAnswer } from '../web/web-response';
import { ACTIVATION_ID_HEADER } from './invoke-response';
import { dispatchActivation, fixedParameters, INVOKE_BODY_LIMIT_BYTES, MAX_BLOCKING_WAIT_MS } from './invoke-action';

// `/api/v1/web/{namespace}/{package|default}/{action}{.ext}{/path}` (CTL/WebActions.scala): an
// action annotated `web-export: true`, run as its namespace's owner (who is throttled and owns
// the record) through the invoke routes' dispatchActivation, always blocking, and answered in
// the extension's media type. Anything that does not lead to an exported action the owner may
// run is one 404, so a caller learns nothing about what else exists. ADR 0019.

export interface WebActionRoutesDeps {
  readonly identities: IdentityService;
  readonly actions: ActionService;
  readonly packageResolver: PackageResolver;
  readonly dispatcher: Dispatcher;
  readonly throttles?: Throttler;
}

interface WebTarget {
  readonly owner: Identity;
  readonly resolved: ResolvedAction;
}

export function webActionRoutes(deps: WebActionRoutesDeps): Middleware<RequestState> {
  return async (ctx, next) => {
    if (!ctx.path.startsWith(WEB_PREFIX)) return next();
    await answerWebRequest(ctx as unknown as Context, deps);
  };
}

async function answerWebRequest(ctx: Context, deps: WebActionRoutesDeps): Promise<void> {
  setWebCors(ctx);
  if (!(WEB_METHODS as readonly string[]).includes(ctx.method)) throw new PlatformError('method-not-allowed', Messages.methodNotAllowed(WEB_METHODS.join(', ')));
  const path = parseWebPath(ctx.path.slice(WEB_PREFIX.length));
  if (!path) throw notFound();
  const target = await findWebAction(deps, path);
  const annotations = target.resolved.action.doc.annotations;
  const customOptions = isAnnotated(annotations, 'web-custom-options');
  if (customOptions) removeWebCors(ctx);
  else if (ctx.method === 'OPTIONS') {
    ctx.status = 200;
    ctx.body = '';
    ctx.remove('Content-Type');
    return;
  }
  const caller = await optionalCaller(ctx, deps.identities);
  // With web-custom-options, OPTIONS reaches the action unauthenticated, so it can answer a preflight.
  if (!(customOptions && ctx.method === 'OPTIONS')) {
    const secret = ctx.get('X-Require-Whisk-Auth');
    if (!webAuthAllowed(annotations, { ...(secret ? { secret } : {}), ...(caller ? { namespace: caller.namespace } : {}) }, target.owner.namespace)) {
      throw new PlatformError('web-authentication-failed', Messages.webAuthenticationFailed);
    }
  }
  const body = await readRawBody(ctx, INVOKE_BODY_LIMIT_BYTES);
  const outcome = await dispatchActivation(ctx, deps, target.owner, async () => {
    const payload = webArguments(
      { method: ctx.method, headers: ctx.headers, extraPath: path.extraPath, rawQuery: ctx.querystring, body, contentType: ctx.get('Content-Type') },
      { rawHttp: isAnnotated(annotations, 'raw-http'), fixed: fixedParameters(target.resolved.action.doc), ...(caller ? { user: caller.namespace } : {}) },
    );
    return { resolved: target.resolved, payload };
  }, { blocking: true, maxWaitMs: MAX_BLOCKING_WAIT_MS });
  ctx.set(ACTIVATION_ID_HEADER, outcome.activationId);
  if (outcome.kind === 'accepted') {
    ctx.status = 202;
    ctx.body = { error: Messages.webResponseNotReady, code: ctx.state.transid };
    return;
  }
  const projection = projectionOf(path.extraPath);
  const { statusCode, result } = outcome.record.response;
  applyAnswer(ctx, webAnswer({ statusCode, result }, path.extension, projection));
}

/** The exported action at `path` with the identity it runs as, or the one 404 (406 for `base.xyz` when `base` is a web action). */
async function findWebAction(deps: WebActionRoutesDeps, path: WebPath): Promise<WebTarget> {
  const owner = await deps.identities.ownerOf(path.namespace);
  if (!owner) throw notFound();
  const found = await exportedAction(deps, owner, path.pkg, path.name);
  if (found) return { owner, resolved: found };
  if (path.unknownExtensionBase && (await exportedAction(deps, owner, path.pkg, path.unknownExtensionBase))) {
    throw new PlatformError('web-extension-not-acceptable', Messages.webExtensionNotSupported(WEB_EXTENSIONS.map((ext) => `.${ext}`)));
  }
  throw notFound();
}

async function exportedAction(deps: WebActionRoutesDeps, owner: Identity, pkg: string | undefined, name: string): Promise<ResolvedAction | undefined> {
  let resolved: ResolvedAction;
  try {
    resolved = pkg
      ? await deps.packageResolver.action(owner, owner.namespace, pkg, name)
      : { action: await deps.actions.get(owner.namespace, name), actionNamespace: owner.namespace, actionName: name };
  } catch (err) {
    // Missing, another collection's, or not readable by the owner: all the same 404.
    if (isPlatformError(err) && err.status < 500) return undefined;
    throw err;
  }
  return isExported(resolved.action.doc) ? resolved : undefined;
}

function isExported(doc: ActionDoc): boolean {
  return isAnnotated(doc.annotations, 'web-export');
}

/** A valid Basic key makes the caller known (`__ow_user`, `require-whisk-auth: true`); a missing or wrong one leaves the request anonymous. */
async function optionalCaller(ctx: Context, identities: IdentityService): Promise<Identity | undefined> {
  const header = ctx.get('Authorization');
  if (!/^Basic\s/i.test(header)) return undefined;
  try {
    return await identities.authenticate(header);
  } catch (err) {
    if (isPlatformError(err) && err.status === 401) return undefined;
    throw err;
  }
}

function applyAnswer(ctx: Context, answer: WebAnswer): void {
  const seen = new Set<string>();
  for (const [name, value] of answer.headers) {
    const key = name.toLowerCase();
    if (seen.has(key)) ctx.append(name, value);
    else ctx.set(name, value);
    seen.add(key);
  }
  if (answer.body === undefined) {
    ctx.body = '';
    ctx.remove('Content-Type');
  } else {
    if (answer.contentType) ctx.set('Content-Type', answer.contentType);
    ctx.body = answer.body;
  }
  ctx.status = answer.status;
}

function notFound(): PlatformError {
  return new PlatformError('web-action-not-found', Messages.resourceDoesNotExist);
}
