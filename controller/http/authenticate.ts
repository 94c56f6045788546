import type { Middleware } from 'koa';
import type { IdentityService } from '../identity/identity-service';
import type { RequestState } from './request-context';

export function authenticate(identities: IdentityService): Middleware<RequestState> {
  return async (ctx, next) => {
    ctx.state.identity = await identities.authenticate(ctx.get('Authorization') || undefined);
    await next();
  };
}
