import type { Logger } from '../../common/logging/logger';
import type { Container } from '../../common/spi/container-factory';
import { createActionClient, type ActionClient } from '../action-client';

// A container the pool holds, with the HTTP client (one keep-alive agent) that talks to it. The
// client carries the container's proxy token, fixed when the container (a stem cell too) was made.

export interface WarmContainer {
  readonly container: Container;
  readonly client: ActionClient;
}

export function warmContainer(container: Container): WarmContainer {
  return { container, client: createActionClient(container.baseUrl, { proxyToken: container.proxyToken }) };
}

/** Closes the client and destroys the container; a failure is logged, never thrown. */
export async function destroyWarm(warm: WarmContainer, logger: Logger): Promise<void> {
  warm.client.close();
  try {
    await warm.container.destroy();
  } catch (error) {
    logger.warn({ err: error, container: warm.container.name }, 'container destroy failed');
  }
}
