import Koa from 'koa';
import Router from '@koa/router';
import { Messages } from '../common/errors/messages';
import { PlatformError } from '../common/errors/platform-error';
import type { Logger } from '../common/logging/logger';
import type { ActivationStore } from '../common/spi/activation-store';
import { authenticate } from './http/authenticate';
import { cors } from './http/cors';
import { errorHandler } from './http/error-handler';
import { readinessGate } from './http/readiness-gate';
import { httpMetrics } from './http/http-metrics';
import type { Registry } from 'prom-client';
import type { RequestState } from './http/request-context';
import { transactionId } from './http/transaction-id';
import type { Dispatcher } from './invocation/dispatcher';
import type { MapRunner } from './maps/map-runner';
import type { InvokerRegistry } from './invocation/invoker-registry';
import { actionRoutes } from './routes/actions.routes';
import { activationRoutes } from './routes/activations.routes';
import { namespaceRoutes } from './routes/namespaces.routes';
import { packageActionRoutes } from './routes/package-actions.routes';
import { packageRoutes } from './routes/packages.routes';
import { ruleRoutes } from './routes/rules.routes';
import { systemRoutes, type SandboxInfo } from './routes/system.routes';
import { triggerRoutes } from './routes/triggers.routes';
import { feedRegistrationRoutes } from './routes/feed-registrations.routes';
import type { FeedRegistrations } from './feeds/feed-registrations';
import { webActionRoutes } from './routes/web-actions.routes';
import { apiGatewayRoutes } from './routes/api-gateway.routes';
import { apiManagementRoutes } from './routes/api-management.routes';
import { dashboardRoutes } from './routes/dashboard.routes';
import type { ApiRateLimit } from './apis/api-rate-limit';
import type { ApiService } from './apis/api-service';
import type { ActionService } from './actions/action-service';
import type { IdentityService } from './identity/identity-service';
import type { PackageResolver } from './packages/package-resolver';
import type { PackageService } from './packages/package-service';
import type { NamespaceLimitsService } from './identity/namespace-limits-service';
import type { Throttler } from './throttles/throttler';
import type { RuleService } from './rules/rule-service';
import type { TriggerFireService } from './triggers/trigger-fire-service';
import type { TriggerService } from './triggers/trigger-service';

export interface AppDeps {
  readonly logger: Logger;
  readonly build: string;
  readonly sandbox?: SandboxInfo;
  /** Requests wait for it before any answer (standalone: until its own invoker is healthy). */
  readonly ready?: Promise<void>;
  /** The process's metrics registry: HTTP requests are counted into it when given. */
  readonly metrics?: Registry;
  readonly identities: IdentityService;
  readonly limits: NamespaceLimitsService;
  readonly throttles: Throttler;
  readonly actions: ActionService;
  readonly activations: ActivationStore;
  readonly dispatcher: Dispatcher;
  /** Runs `?map=true` invokes (ADR 0028). */
  readonly maps?: MapRunner;
  readonly registry: InvokerRegistry;
  readonly triggers: TriggerService;
  readonly fires: TriggerFireService;
  readonly feedRegistrations: FeedRegistrations;
  readonly rules: RuleService;
  readonly packages: PackageService;
  readonly packageResolver: PackageResolver;
  readonly apis: ApiService;
  readonly apiRateLimit: ApiRateLimit;
}

/** The authenticated routers under /api/v1; the API document is checked against exactly these. */
export function apiRouters(deps: AppDeps): Router<RequestState>[] {
  return [namespaceRoutes(deps), packageRoutes(deps), packageActionRoutes(deps), actionRoutes(deps), activationRoutes(deps.activations), triggerRoutes(deps), feedRegistrationRoutes(deps), ruleRoutes(deps)];
}

/** The Koa app; never listens, so tests can drive it directly. */
export function buildApp(deps: AppDeps): Koa<RequestState> {
  const app = new Koa<RequestState>();
  app.proxy = false;
  app.silent = true;

  const system = systemRoutes({ build: deps.build, registry: deps.registry, ...(deps.sandbox ? { sandbox: deps.sandbox } : {}) });
  const api = new Router<RequestState>({ prefix: '/api/v1' });
  api.use('/namespaces', authenticate(deps.identities));
  for (const routes of apiRouters(deps)) {
    api.use(routes.routes(), routes.allowedMethods({ throw: true, methodNotAllowed: methodNotAllowed, notImplemented: methodNotAllowed }));
  }

  app.use(transactionId(deps.logger));
  app.use(httpMetrics(deps.metrics));
  app.use(errorHandler());
  app.use(readinessGate(deps.ready));
  app.use(cors());
  app.use(apiManagementRoutes(deps));
  app.use(webActionRoutes(deps));
  app.use(apiGatewayRoutes(deps));
  app.use(system.routes());
  app.use(dashboardRoutes({ registry: deps.registry }).routes());
  app.use(api.routes());
  app.use(api.allowedMethods({ throw: true, methodNotAllowed: methodNotAllowed, notImplemented: methodNotAllowed }));
  return app;
}

function methodNotAllowed(): Error {
  return new PlatformError('method-not-allowed', Messages.methodNotAllowed('GET, PUT, POST, DELETE'));
}
