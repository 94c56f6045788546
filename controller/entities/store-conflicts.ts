import { Messages } from '../../common/errors/messages';
import { conflict, type PlatformError } from '../../common/errors/platform-error';
import type { PutOutcome } from '../../common/spi/entity-store';

/** OpenWhisk's 409 answers for a refused write. */
export function conflictFor(outcome: Extract<PutOutcome, { ok: false }>): PlatformError {
  switch (outcome.reason) {
    case 'exists':
      return conflict(Messages.resourceExists);
    case 'revision-conflict':
      return conflict(Messages.concurrentModification);
    case 'wrong-type':
      return conflict(Messages.wrongCollection);
  }
}
