// Admin tools → controllers over the signal bus: which keys, subjects and namespaces changed, so
// controllers drop their cached copies at once instead of at the end of the cache TTL. At most
// once like every signal: the TTL stays the guarantee, this is only the fast path.

export interface IdentityChange {
  readonly v: 1;
  readonly uuids?: readonly string[];
  readonly subjects?: readonly string[];
  readonly namespaces?: readonly string[];
}

export function encodeIdentityChange(change: Omit<IdentityChange, 'v'>): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, ...change }));
}

export function decodeIdentityChange(raw: Buffer): IdentityChange | undefined {
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    if (parsed.v !== 1) return undefined;
    const list = (value: unknown) => (Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined);
    const uuids = list(parsed.uuids);
    const subjects = list(parsed.subjects);
    const namespaces = list(parsed.namespaces);
    return { v: 1, ...(uuids ? { uuids } : {}), ...(subjects ? { subjects } : {}), ...(namespaces ? { namespaces } : {}) };
  } catch {
    return undefined;
  }
}
