import { isPlatformError } from '../../common/errors/platform-error';

/** Runs `fn`, which must throw a PlatformError, and returns its status and message. */
export function rejection(fn: () => unknown): { status: number; message: string } {
  try {
    fn();
  } catch (err) {
    if (isPlatformError(err)) return { status: err.status, message: err.message };
    throw err;
  }
  throw new Error('expected a rejection');
}

/** Awaits `promise`, which must reject with a PlatformError, and returns its status and message. */
export async function asyncRejection(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (isPlatformError(err)) return { status: err.status, message: err.message };
    throw err;
  }
  throw new Error('expected a rejection');
}
