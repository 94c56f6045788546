import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { isValidName } from '../../common/entities/entity-name';
import type { KeyValue } from '../../common/entities/parameters';
import type { TriggerDoc } from '../../common/entities/trigger';
import { given, malformed, nextVersion, parseKeyValues, parsePublish, parseVersion } from '../entities/entity-fields-input';

// Turns an untrusted trigger PUT body (OpenWhisk's WhiskTriggerPut: parameters, limits,
// version, publish, annotations) into a stored trigger. An update takes each given field and
// keeps the rest, including the `rules` map, which only rule operations change.

export interface TriggerInputContext {
  readonly namespace: string;
  readonly name: string;
  readonly now: number;
}

export function buildTrigger(body: Record<string, unknown>, context: TriggerInputContext, existing?: TriggerDoc): TriggerDoc {
  const parameters = given(body.parameters) ? parseKeyValues(body.parameters, 'parameters') : undefined;
  const annotations = given(body.annotations) ? parseKeyValues(body.annotations, 'annotations') : undefined;
  const version = given(body.version) ? parseVersion(body.version) : undefined;
  const publish = given(body.publish) ? parsePublish(body.publish) : undefined;
  if (given(body.limits) && (typeof body.limits !== 'object' || Array.isArray(body.limits))) throw malformed('field-invalid', Messages.fieldType('limits', body.limits, 'an object'));
  if (annotations) checkFeed(annotations);
  return {
    entityType: 'trigger',
    namespace: context.namespace,
    name: context.name,
    version: nextVersion(version, existing),
    publish: publish ?? existing?.publish ?? false,
    parameters: parameters ?? existing?.parameters ?? [],
    limits: {},
    annotations: annotations ?? existing?.annotations ?? [],
    ...(existing?.rules ? { rules: existing.rules } : {}),
    updated: context.now,
  };
}

/** The `feed` annotation, when present, must name an entity path (`/ns/pkg/feed`, `ns/feed`, ...). */
function checkFeed(annotations: readonly KeyValue[]): void {
  for (const { key, value } of annotations) {
    if (key === 'feed' && (typeof value !== 'string' || !isEntityPath(value))) throw new PlatformError('feed-name-invalid', Messages.feedNameInvalid);
  }
}

function isEntityPath(value: string): boolean {
  const segments = (value.startsWith('/') ? value.slice(1) : value).split('/');
  return segments.length >= 1 && segments.length <= 3 && segments.every(isValidName);
}
