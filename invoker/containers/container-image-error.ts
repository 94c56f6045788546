import { brandedError, brandGuard } from '../../common/protocol/branded-error';

// A container that cannot start because of the image the action names, not because the
// platform failed: the activation becomes an action developer error, as OpenWhisk turns a
// failed blackbox pull into one (ContainerProxy, BlackboxStartupError), and a blackbox whose
// proxy never answers into an initialization timeout.

/** missing: not in the engine; unsupported: this factory runs no images; never-ready: its process never accepted connections; exited: it ended during start. */
export type ContainerImageProblem = 'missing' | 'unsupported' | 'never-ready' | 'exited';

export class ContainerImageError extends brandedError('ContainerImageError') {
  constructor(
    readonly image: string,
    readonly problem: ContainerImageProblem,
    message: string,
  ) {
    super(message);
  }
}

export const isContainerImageError = brandGuard(ContainerImageError);
