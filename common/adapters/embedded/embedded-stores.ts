import type { Logger } from '../../logging/logger';
import type { ActivationStore } from '../../spi/activation-store';
import type { EntityStore } from '../../spi/entity-store';
import { openEmbeddedActivationStore, type EmbeddedActivationStoreOptions } from './embedded-activation-store';
import { openEmbeddedEntityStore } from './embedded-entity-store';
import type { CompactionPolicy } from './journal-compaction';

// Both embedded stores under one data dir. Each store holds its own lock file
// (`entities.lock`, `activations.lock`), so either can also be opened alone; a second process
// pointed at the same data dir fails on the first one it tries.

export interface EmbeddedStoresOptions extends Pick<EmbeddedActivationStoreOptions, 'retentionMs' | 'claimMemoryMs' | 'clock'> {
  readonly dataDir: string;
  readonly logger: Logger;
  readonly compaction?: CompactionPolicy;
}

export interface EmbeddedStores {
  readonly entities: EntityStore;
  readonly activations: ActivationStore;
  close(): Promise<void>;
}

export async function openEmbeddedStores(options: EmbeddedStoresOptions): Promise<EmbeddedStores> {
  const entities = openEmbeddedEntityStore(options);
  let activations: ActivationStore;
  try {
    activations = openEmbeddedActivationStore(options);
  } catch (error) {
    await entities.close();
    throw error;
  }
  return {
    entities,
    activations,
    close: async () => {
      const results = await Promise.allSettled([entities.close(), activations.close()]);
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
