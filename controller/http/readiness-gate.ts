import type { Middleware } from 'koa';

/**
 * Holds every request until `ready` settles. Standalone must listen before its invoker starts
 * (actions are told the controller's real port), yet an answer, even to GET /api/v1, has to mean
 * that an invoke will find an invoker: a request that arrives early waits instead of getting a
 * 503 for a component still starting in the same process (issue #11). Without `ready`, no wait.
 */
export function readinessGate(ready: Promise<void> | undefined): Middleware {
  let open = ready === undefined;
  void ready?.then(
    () => {
      open = true;
    },
    () => undefined,
  );
  return async (_ctx, next) => {
    if (!open) await ready;
    await next();
  };
}
