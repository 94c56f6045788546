import type { Context } from 'koa';

// OpenWhisk's CORS for web actions (HTTP/CorsSettings.scala `WebActions`): every answer allows
// any origin and the web methods, and the headers the preflight asks for (or a default list).
// An action annotated `web-custom-options: true` gets none of these and answers OPTIONS itself.

export const WEB_METHODS = ['OPTIONS', 'GET', 'DELETE', 'POST', 'PUT', 'HEAD', 'PATCH'] as const;
export const DEFAULT_ALLOW_HEADERS = 'Authorization, Origin, X-Requested-With, Content-Type, Accept, User-Agent';
const CORS_HEADERS = ['Access-Control-Allow-Origin', 'Access-Control-Allow-Methods', 'Access-Control-Allow-Headers'] as const;

export function webCorsHeaders(requestedHeaders: string | undefined): Record<(typeof CORS_HEADERS)[number], string> {
  return {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': WEB_METHODS.join(', '),
    // Echoed only when it is a plain header value; anything else gets the default list.
    'Access-Control-Allow-Headers': requestedHeaders && /^[\w \t,-]{1,1024}$/.test(requestedHeaders) ? requestedHeaders : DEFAULT_ALLOW_HEADERS,
  };
}

export function setWebCors(ctx: Context): void {
  ctx.set(webCorsHeaders(ctx.get('Access-Control-Request-Headers') || undefined));
}

export function removeWebCors(ctx: Context): void {
  for (const name of CORS_HEADERS) ctx.remove(name);
}
