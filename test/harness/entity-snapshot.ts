import type { EntityStore, EntityType } from '../../common/spi/entity-store';

/** Every document of the given types in a namespace, keyed by `type:name`, for "store unchanged" assertions. */
export async function entitySnapshot(store: EntityStore, namespace: string, types: readonly EntityType[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const type of types) {
    for (let skip = 0; ; skip += 200) {
      const page = await store.list<{ entityType: EntityType; name?: string }>(namespace, type, { skip, limit: 200 });
      for (const { doc } of page) out[`${type}:${String(doc.name)}`] = doc;
      if (page.length < 200) break;
    }
  }
  return out;
}
