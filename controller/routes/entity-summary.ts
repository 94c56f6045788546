import type { KeyValue } from '../../common/entities/parameters';

// OpenWhisk's WhiskEntity.summaryAsJson: the fields every entry of a list answer carries, whatever
// the kind of entity; each kind's summary adds its own (an action's limits and binary flag, a
// package's binding).

export interface SummarisedEntity {
  readonly namespace: string;
  readonly name: string;
  readonly version: string;
  readonly publish: boolean;
  readonly annotations: readonly KeyValue[];
  readonly updated: number;
}

export function entitySummary(doc: SummarisedEntity): Record<string, unknown> {
  return { namespace: doc.namespace, name: doc.name, version: doc.version, publish: doc.publish, annotations: doc.annotations, updated: doc.updated };
}
