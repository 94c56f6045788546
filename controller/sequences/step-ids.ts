import { createHash } from 'node:crypto';

// A sequence's steps get ids derived from the sequence's own id and their place in it, so a
// controller that replays a sequence (another controller's, or its own previous life's) finds
// the steps already run in the activation store, and a step message it sends again carries the
// id the invokers' claim already knows (ADR 0016). Still 32 lowercase hex characters.

export function stepActivationId(sequenceActivationId: string, index: number): string {
  return createHash('sha256').update(`wisp-sequence-step\n${sequenceActivationId}\n${index}`).digest('hex').slice(0, 32);
}
