import Router from '@koa/router';
import type { Context } from 'koa';
import { loadDashboardFiles, type DashboardFile } from '../dashboard/dashboard-files';
import type { RequestState } from '../http/request-context';
import type { InvokerRegistry } from '../invocation/invoker-registry';

// The dashboard (ADR 0027): a static page at /dashboard/ that signs in with a namespace key and
// reads the REST API from the browser. The page holds no key and no data; every answer here is
// the same for every caller, so these routes need no auth. Only the files of the page folder are
// served, looked up by name (dashboard-files.ts); any other name falls through to the 404.

export const DASHBOARD_PATH = '/dashboard';

/**
 * The page may load only its own scripts, styles and images and talk only to this origin: no
 * inline script or style, no frames, no form posts elsewhere. Together with the page writing API
 * values as text only, a value that looks like markup cannot run.
 */
export const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function dashboardRoutes(deps: { registry: InvokerRegistry; files?: ReadonlyMap<string, DashboardFile> }): Router<RequestState> {
  const files = deps.files ?? loadDashboardFiles();
  const router = new Router<RequestState>({ strict: true });

  const serve = (ctx: Context, file: DashboardFile) => {
    ctx.set('Content-Security-Policy', DASHBOARD_CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = file.type;
    ctx.body = file.body;
  };

  // The page's relative links need the trailing slash.
  router.get(DASHBOARD_PATH, (ctx) => {
    ctx.status = 301;
    ctx.redirect(`${DASHBOARD_PATH}/`);
  });
  router.get(`${DASHBOARD_PATH}/`, (ctx) => serve(ctx, files.get('index.html')!));
  // What the heartbeats say of each invoker, beyond the bare state of GET /invokers: the memory
  // it has free and its containers by state (prewarmed, starting, busy, idle, paused).
  router.get(`${DASHBOARD_PATH}/invokers.json`, (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = deps.registry.invokers().map((i) => ({
      invokerId: i.invokerId,
      state: i.state,
      freeMemoryMb: i.freeMemoryMb,
      userMemoryMb: i.userMemoryMb,
      heardAt: i.heardAt,
      gpus: i.gpus.length,
      ...(i.pool ? { pool: i.pool } : {}),
    }));
  });
  router.get(`${DASHBOARD_PATH}/:file`, async (ctx, next) => {
    const file = files.get(ctx.params.file ?? '');
    if (!file) return next();
    serve(ctx, file);
  });
  return router;
}
