import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { isValidName } from '../../common/entities/entity-name';
import { BINDING_ANNOTATION, boundPackage, type PackageBinding, type PackageDoc } from '../../common/entities/package';
import type { KeyValue } from '../../common/entities/parameters';
import { given, malformed, nextVersion, parseKeyValues, parsePublish, parseVersion } from '../entities/entity-fields-input';

// Turns an untrusted package PUT body into a stored package or binding, with OpenWhisk's rules
// (ENTITY/WhiskPackage.scala, CTL/Packages.scala): fields not given keep their old values on an
// update, `parameters` and `annotations` are replaced wholesale when given, the controller owns
// the `binding` annotation, and a package never turns into a binding. Whether the bound package
// exists and may be read is the service's business (it needs the store).

export interface PackageInput {
  /** A non-empty binding, its `_` namespace already resolved. */
  readonly binding?: PackageBinding;
  readonly parameters?: KeyValue[];
  readonly annotations?: KeyValue[];
  readonly version?: string;
  readonly publish?: boolean;
}

export interface PackageInputContext {
  readonly namespace: string;
  readonly name: string;
  readonly now: number;
}

/** `ownNamespace` replaces `_` in the binding (the namespace the package is written to). */
export function parsePackageInput(body: Record<string, unknown>, ownNamespace: string): PackageInput {
  const binding = given(body.binding) ? parseBinding(body.binding, ownNamespace) : undefined;
  return {
    ...(binding ? { binding } : {}),
    ...(given(body.parameters) ? { parameters: parseKeyValues(body.parameters, 'parameters') } : {}),
    ...(given(body.annotations) ? { annotations: parseKeyValues(body.annotations, 'annotations') } : {}),
    ...(given(body.version) ? { version: parseVersion(body.version) } : {}),
    ...(given(body.publish) ? { publish: parsePublish(body.publish) } : {}),
  };
}

export function buildPackage(input: PackageInput, context: PackageInputContext, existing?: PackageDoc): PackageDoc {
  const existingBinding = existing && boundPackage(existing);
  if (existing && input.binding && !existingBinding) throw new PlatformError('package-cannot-become-binding', Messages.packageCannotBecomeBinding);
  const binding = input.binding ?? existingBinding;
  return {
    entityType: 'package',
    namespace: context.namespace,
    name: context.name,
    version: nextVersion(input.version, existing),
    publish: input.publish ?? existing?.publish ?? false,
    ...(binding ? { binding } : {}),
    parameters: input.parameters ?? existing?.parameters ?? [],
    annotations: withBindingAnnotation(input.annotations ?? existing?.annotations ?? [], binding),
    updated: context.now,
  };
}

function parseBinding(raw: unknown, ownNamespace: string): PackageBinding | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw malformed('field-invalid', Messages.fieldType('binding', raw, 'an object {namespace, name}'));
  const { namespace, name } = raw as Record<string, unknown>;
  // `{}` is how OpenWhisk writes "not a binding".
  if (!given(namespace) && !given(name)) return undefined;
  if (!given(namespace)) throw malformed('field-invalid', Messages.fieldRequired('binding.namespace'));
  if (!given(name)) throw malformed('field-invalid', Messages.fieldRequired('binding.name'));
  if (typeof namespace !== 'string' || (namespace !== '_' && !isValidName(namespace))) {
    throw malformed('field-invalid', Messages.fieldType('binding.namespace', namespace, "a namespace name or '_'"));
  }
  if (typeof name !== 'string' || !isValidName(name)) throw malformed('field-invalid', Messages.fieldType('binding.name', name, 'a package name'));
  return { namespace: namespace === '_' ? ownNamespace : namespace, name };
}

function withBindingAnnotation(annotations: readonly KeyValue[], binding: PackageBinding | undefined): KeyValue[] {
  const kept = annotations.filter((a) => a.key !== BINDING_ANNOTATION);
  return binding ? [...kept, { key: BINDING_ANNOTATION, value: { namespace: binding.namespace, name: binding.name } }] : kept;
}
