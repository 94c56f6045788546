import { apiKey, type ApiDoc, type ApiRoute } from '../../common/entities/api-route';
import type { Identity } from '../../common/entities/identity';
import { Messages } from '../../common/errors/messages';
import { PlatformError, isPlatformError } from '../../common/errors/platform-error';
import type { EntityStore, Stored } from '../../common/spi/entity-store';
import type { ActionService } from '../actions/action-service';
import { conflictFor } from '../entities/store-conflicts';
import type { PackageResolver, ResolvedAction } from '../packages/package-resolver';
import { isAnnotated } from '../web/web-annotations';
import type { ApiRouteRequest } from './api-input';

// The APIs of a namespace (ADR 0025): one document per base path holding its routes. Every
// operation takes the namespace from the caller's identity, never from the request, so one
// tenant can neither see nor change another's APIs. A route may only name a web action of the
// caller's own namespace that exists and is exported when the route is made.

/** More APIs than this in one namespace are not served: a bound on what one request reads. */
export const MAX_APIS_PER_NAMESPACE = 200;
const PUT_ATTEMPTS = 5;

export interface ApiFilter {
  /** A base path or an API name. */
  readonly basePath?: string;
  readonly relPath?: string;
  readonly verb?: string;
}

export class ApiService {
  constructor(
    private readonly deps: {
      readonly store: EntityStore;
      readonly actions: Pick<ActionService, 'get'>;
      readonly packageResolver: Pick<PackageResolver, 'action'>;
      readonly now?: () => number;
    },
  ) {}

  async create(identity: Identity, request: ApiRouteRequest): Promise<ApiDoc> {
    await this.checkAction(identity, request);
    const namespace = identity.namespace;
    const key = apiKey(request.basePath);
    const route: ApiRoute = { relPath: request.relPath, verb: request.verb, action: request.action, responseType: request.responseType };
    for (let attempt = 1; ; attempt++) {
      const existing = await this.deps.store.get<ApiDoc>(namespace, key);
      const kept = (existing?.doc.routes ?? []).filter((r) => !(r.relPath === route.relPath && r.verb === route.verb));
      const doc: ApiDoc = {
        entityType: 'api',
        namespace,
        basePath: request.basePath,
        apiName: request.apiName ?? existing?.doc.apiName ?? request.basePath,
        routes: [...kept, route],
        updated: (this.deps.now ?? Date.now)(),
      };
      const written = await this.deps.store.put(namespace, key, doc, existing ? existing.revision : null);
      if (written.ok) return doc;
      if (written.reason === 'wrong-type' || attempt >= PUT_ATTEMPTS) throw conflictFor(written);
    }
  }

  /** The namespace's APIs, or those whose base path or name is `filter.basePath`, with only the routes the filter keeps. */
  async list(namespace: string, filter: ApiFilter = {}): Promise<ApiDoc[]> {
    const all = await this.all(namespace);
    return all
      .filter((api) => filter.basePath === undefined || api.basePath === filter.basePath || api.apiName === filter.basePath)
      .map((api) => ({ ...api, routes: api.routes.filter((route) => routeKept(route, filter)) }))
      .filter((api) => api.routes.length > 0 || (filter.relPath === undefined && filter.verb === undefined));
  }

  /** Every API of the namespace, as the gateway matches requests against. */
  async all(namespace: string): Promise<ApiDoc[]> {
    const stored = await this.deps.store.list<ApiDoc>(namespace, 'api', { skip: 0, limit: MAX_APIS_PER_NAMESPACE });
    return stored.map((s) => s.doc).sort((a, b) => a.basePath.localeCompare(b.basePath));
  }

  /** Removes the API named by `filter.basePath` (base path or name), or only its routes that `relPath` and `verb` pick; 404 when nothing matched. */
  async delete(namespace: string, filter: ApiFilter & { readonly basePath: string }): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const stored = await this.find(namespace, filter.basePath);
      if (!stored) throw new PlatformError('api-not-found', Messages.apiDoesNotExist(filter.basePath));
      const key = apiKey(stored.doc.basePath);
      const narrowed = filter.relPath !== undefined || filter.verb !== undefined;
      const kept = narrowed ? stored.doc.routes.filter((route) => !routeKept(route, filter)) : [];
      if (kept.length === stored.doc.routes.length) throw new PlatformError('api-not-found', Messages.apiDoesNotExist(`${filter.basePath}${filter.relPath ?? ''}`));
      if (kept.length === 0) {
        if (await this.deps.store.delete(namespace, key, stored.revision)) return;
      } else {
        const written = await this.deps.store.put(namespace, key, { ...stored.doc, routes: kept, updated: (this.deps.now ?? Date.now)() }, stored.revision);
        if (written.ok) return;
      }
      if (attempt >= PUT_ATTEMPTS) throw new PlatformError('revision-conflict', Messages.concurrentModification);
    }
  }

  private async find(namespace: string, basePathOrName: string): Promise<Stored<ApiDoc> | undefined> {
    if (basePathOrName.startsWith('/')) {
      const byPath = await this.deps.store.get<ApiDoc>(namespace, apiKey(basePathOrName === '/' ? '/' : basePathOrName.replace(/\/+$/, '')));
      if (byPath?.doc.entityType === 'api') return byPath;
    }
    const named = (await this.all(namespace)).find((api) => api.apiName === basePathOrName);
    return named ? this.deps.store.get<ApiDoc>(namespace, apiKey(named.basePath)) : undefined;
  }

  private async checkAction(identity: Identity, request: ApiRouteRequest): Promise<void> {
    const { namespace, pkg, name } = request.action;
    const path = `/${[namespace, pkg, name].filter((part) => part !== undefined).join('/')}`;
    if (namespace !== identity.namespace) throw new PlatformError('entity-not-authorized', Messages.notAuthorized(path.slice(1)));
    let resolved: ResolvedAction;
    try {
      resolved = pkg
        ? await this.deps.packageResolver.action(identity, namespace, pkg, name)
        : { action: await this.deps.actions.get(namespace, name), actionNamespace: namespace, actionName: name };
    } catch (err) {
      if (isPlatformError(err) && err.status === 404) throw new PlatformError('api-action-not-found', Messages.actionDoesNotExist(path));
      throw err;
    }
    if (!isAnnotated(resolved.action.doc.annotations, 'web-export')) throw new PlatformError('api-action-not-web', Messages.apiActionNotWeb(path));
  }
}

function routeKept(route: ApiRoute, filter: ApiFilter): boolean {
  return (filter.relPath === undefined || route.relPath === filter.relPath) && (filter.verb === undefined || route.verb === filter.verb.toLowerCase());
}
