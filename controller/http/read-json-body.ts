import type { Context } from 'koa';
import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { OffThreadJsonError, parseJsonOffThread } from './json-parse-worker';

/** Bodies from this size up are parsed on a worker thread (an action upload; invokes stay inline). */
export const OFF_THREAD_BYTES = 1024 * 1024;

// Bodies are read here, not by a generic body parser, so each route states its own size limit
// and the answers are OpenWhisk's: 415 for a non-JSON content type, 413 past the limit (without
// buffering more than the limit), 400 for malformed JSON. A 413 stops reading where it is and
// closes the connection after the answer: draining the rest would read all of a hostile upload.

export async function readJsonBody(ctx: Context, limitBytes: number, field = 'Request'): Promise<unknown> {
  const length = ctx.request.length;
  if (length !== undefined && length > limitBytes) throw tooLarge(ctx, field, length, limitBytes);
  const raw = await readAtMost(ctx, limitBytes, field);
  if (raw.length === 0) return undefined;
  const type = ctx.request.type;
  if (type !== '' && type !== 'application/json' && !type.endsWith('+json')) {
    throw new PlatformError('content-type-unsupported', Messages.unsupportedContentType);
  }
  try {
    return raw.length >= OFF_THREAD_BYTES ? await parseJsonOffThread(raw) : JSON.parse(raw.toString('utf8'));
  } catch (err) {
    if (err instanceof SyntaxError || err instanceof OffThreadJsonError) throw new PlatformError('body-not-json', Messages.malformedContent(err.message));
    throw err;
  }
}

/** Like readJsonBody, but the body must be a JSON object (or absent, which reads as `{}`). */
export async function readJsonObject(ctx: Context, limitBytes: number, field = 'Request'): Promise<Record<string, unknown>> {
  const body = await readJsonBody(ctx, limitBytes, field);
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new PlatformError('body-not-object', Messages.bodyNotObject(body));
  return body as Record<string, unknown>;
}

/** The body's bytes whatever their type (web actions take any body), with the same 413 past the limit. */
export async function readRawBody(ctx: Context, limitBytes: number, field = 'Request'): Promise<Buffer> {
  const length = ctx.request.length;
  if (length !== undefined && length > limitBytes) throw tooLarge(ctx, field, length, limitBytes);
  return readAtMost(ctx, limitBytes, field);
}

function tooLarge(ctx: Context, field: string, size: number, limitBytes: number): PlatformError {
  ctx.req.pause();
  return new PlatformError('body-too-large', Messages.entityTooLarge(field, size, limitBytes), { headers: { Connection: 'close' } });
}

function readAtMost(ctx: Context, limitBytes: number, field: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const req = ctx.req;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        reject(tooLarge(ctx, field, size, limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new PlatformError('body-unreadable', Messages.malformedContent(err.message)));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
