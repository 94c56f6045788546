// Parameters and annotations travel as OpenWhisk's `[{key, value}]` arrays.

export interface KeyValue {
  readonly key: string;
  readonly value: unknown;
  readonly init?: boolean;
}

export function toObject(pairs: readonly KeyValue[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of pairs) out[key] = value;
  return out;
}

export function annotation(pairs: readonly KeyValue[], key: string): unknown {
  return pairs.find((p) => p.key === key)?.value;
}
