import type { Logger } from '../../common/logging/logger';
import type { Identity } from '../../common/entities/identity';

// What the middleware chain puts on ctx.state for the handlers below it.
export interface RequestState {
  transid: string;
  log: Logger;
  identity?: Identity;
}
