import type { IncomingMessage, ServerResponse } from 'node:http';
import { brandedError, brandGuard } from '../../common/protocol/branded-error';

// JSON in and out over node:http, without a framework: the proxy must start in milliseconds
// and carry nothing but Node's built-ins into the image.

export class BodyError extends brandedError('BodyError') {}

export const isBodyError = brandGuard(BodyError);

/** Reads and parses a JSON body; rejects with BodyError when it is too large or not JSON. */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        // Keep draining so the reply can still be written on this connection.
        chunks.length = 0;
        reject(new BodyError(`body larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      try {
        resolve(JSON.parse(Buffer.concat(chunks, size).toString('utf8')));
      } catch (error) {
        reject(new BodyError(error instanceof Error ? error.message : String(error)));
      }
    });
    req.on('error', (error) => {
      if (!failed) reject(new BodyError(error.message));
      failed = true;
    });
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body) ?? 'null', 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': payload.length });
  res.end(payload);
}
