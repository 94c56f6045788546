import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import type { PutOutcome } from '../../common/spi/entity-store';

/** OpenWhisk's 409 answers for a refused write. */
export function conflictFor(outcome: Extract<PutOutcome, { ok: false }>): PlatformError {
  switch (outcome.reason) {
    case 'exists':
      return new PlatformError('entity-exists', Messages.resourceExists);
    case 'revision-conflict':
      return new PlatformError('revision-conflict', Messages.concurrentModification);
    case 'wrong-type':
      return new PlatformError('entity-in-other-collection', Messages.wrongCollection);
  }
}
