import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { isActivationId } from '../../common/ids';
import type { ActivationPosition } from '../../common/spi/activation-store';

// The activation list's cursor: a position in the newest-first order by (start, id), handed out
// as an opaque string (base64url of a versioned text) so that its form can change; one that does
// not decode to a position this platform could have given out is refused, never half-used.

const FORM = /^v1:(\d{1,16}):([0-9a-f]{32})$/;

export function encodeCursor(position: ActivationPosition): string {
  return Buffer.from(`v1:${position.start}:${position.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): ActivationPosition {
  const fail = () => new PlatformError('activation-cursor-invalid', Messages.activationCursorInvalid);
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(cursor)) throw fail();
  const match = FORM.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || !isActivationId(match[2]!)) throw fail();
  const start = Number(match[1]);
  if (!Number.isSafeInteger(start)) throw fail();
  // base64url has more than one spelling of some texts: only the canonical one is a cursor.
  const position = { start, id: match[2]! };
  if (encodeCursor(position) !== cursor) throw fail();
  return position;
}
