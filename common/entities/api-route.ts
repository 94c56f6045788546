// An API (issue #14, ADR 0025): the routes one namespace has put under one base path, kept as one
// document in the EntityStore, so a base path's routes are read, changed and deleted together.
// Its key starts with `api:`, which no entity name can (names never hold ':'), so an API shares
// the namespace's one key space with actions, packages, triggers and rules without colliding.

export const API_VERBS = ['get', 'post', 'put', 'delete', 'patch', 'head', 'options'] as const;
export type ApiVerb = (typeof API_VERBS)[number];

export const API_RESPONSE_TYPES = ['json', 'http', 'html', 'svg', 'text'] as const;
export type ApiResponseType = (typeof API_RESPONSE_TYPES)[number];

/** The web action a route runs: `pkg` absent for the namespace's root. */
export interface ApiActionRef {
  readonly namespace: string;
  readonly pkg?: string;
  readonly name: string;
}

export interface ApiRoute {
  /** `/items/{id}`: literal segments and `{name}` path parameters. */
  readonly relPath: string;
  readonly verb: ApiVerb;
  readonly action: ApiActionRef;
  readonly responseType: ApiResponseType;
}

export interface ApiDoc {
  readonly entityType: 'api';
  readonly namespace: string;
  /** `/` or `/shop`: no trailing slash, no parameters. */
  readonly basePath: string;
  readonly apiName: string;
  readonly routes: readonly ApiRoute[];
  readonly updated: number;
}

export function apiKey(basePath: string): string {
  return `api:${basePath}`;
}
