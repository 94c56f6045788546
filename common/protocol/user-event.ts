import type { ActivationRecord } from '../entities/activation';
import { annotation } from '../entities/parameters';

// OpenWhisk's user-events message (openwhisk-core.md §8: EventMessage with an Activation body),
// so a consumer written for OpenWhisk's `events` topic reads Wisp's unchanged. Extra fields are
// ones such a consumer ignores.

export interface ActivationEventBody {
  /** The action's path, `namespace/[package/]name`. */
  readonly name: string;
  readonly activationId: string;
  readonly statusCode: number;
  readonly duration: number;
  readonly waitTime: number;
  readonly initTime: number;
  readonly kind: string;
  readonly conductor: boolean;
  readonly memory: number;
  readonly causedBy?: string;
  readonly size?: number;
}

export interface UserEventMessage {
  readonly source: string;
  readonly body: ActivationEventBody;
  readonly subject: string;
  readonly namespace: string;
  readonly userId: string;
  readonly eventType: 'Activation';
  readonly timestamp: number;
}

function numberAnnotation(record: ActivationRecord, key: string): number {
  const value = annotation(record.annotations, key);
  return typeof value === 'number' ? value : 0;
}

export function activationEvent(record: ActivationRecord, source: string): UserEventMessage {
  const limits = annotation(record.annotations, 'limits') as { memory?: unknown } | undefined;
  const causedBy = annotation(record.annotations, 'causedBy');
  return {
    source,
    body: {
      name: String(annotation(record.annotations, 'path') ?? `${record.namespace}/${record.name}`),
      activationId: record.activationId,
      statusCode: record.response.statusCode,
      duration: record.duration ?? Math.max(0, record.end - record.start),
      waitTime: numberAnnotation(record, 'waitTime'),
      initTime: numberAnnotation(record, 'initTime'),
      kind: String(annotation(record.annotations, 'kind') ?? 'unknown'),
      conductor: annotation(record.annotations, 'conductor') === true,
      memory: typeof limits?.memory === 'number' ? limits.memory : 0,
      ...(typeof causedBy === 'string' ? { causedBy } : {}),
      ...(record.response.size !== undefined ? { size: record.response.size } : {}),
    },
    subject: record.subject,
    namespace: record.namespace,
    // OpenWhisk puts the identity's uuid here; the record keeps the subject only.
    userId: record.subject,
    eventType: 'Activation',
    timestamp: record.end > 0 ? record.end : record.start,
  };
}
