import type { ActionDoc } from '../../common/entities/action';
import type { EntityDocument, EntityStore, EntityType, Stored } from '../../common/spi/entity-store';

// The EntityStore lists by (namespace, entity type) only, so what lives inside one package, and
// the public packages another namespace may see, are found by paging through the namespace and
// filtering. Packaged actions are stored in their package's namespace, so this stays within one
// namespace's documents.

const PAGE = 500;

/** Every entity of one type in a namespace, newest-updated first, each once even if writes reorder the pages. */
export async function listAll<T extends EntityDocument & { readonly namespace: string; readonly name: string }>(
  store: EntityStore,
  namespace: string,
  entityType: EntityType,
  keep: (doc: T) => boolean = () => true,
): Promise<Stored<T>[]> {
  const seen = new Map<string, Stored<T>>();
  for (let skip = 0; ; skip += PAGE) {
    const page = await store.list<T>(namespace, entityType, { skip, limit: PAGE });
    for (const stored of page) {
      const id = `${stored.doc.namespace}/${stored.doc.name}`;
      if (!seen.has(id) && keep(stored.doc)) seen.set(id, stored);
    }
    if (page.length < PAGE) return [...seen.values()];
  }
}

/** The actions inside package `namespace/pkg`, newest-updated first. */
export function actionsInPackage(store: EntityStore, namespace: string, pkg: string): Promise<Stored<ActionDoc>[]> {
  const path = `${namespace}/${pkg}`;
  return listAll<ActionDoc>(store, namespace, 'action', (doc) => doc.namespace === path);
}
