import type { ActionDoc } from '../../common/entities/action';
import { FEED_ANNOTATION, boundPackage, type PackageDoc } from '../../common/entities/package';
import type { KeyValue } from '../../common/entities/parameters';
import { entitySummary } from './entity-summary';

// API shapes of a package (ENTITY/WhiskPackage.scala): `binding` is `{}` on a real package; list
// summaries carry `binding` as the object or `false`; a GET adds the actions inside, split into
// `actions` and `feeds` by the `feed` annotation.

export function packageView(doc: PackageDoc): Record<string, unknown> {
  return {
    namespace: doc.namespace,
    name: doc.name,
    version: doc.version,
    publish: doc.publish,
    binding: boundPackage(doc) ?? {},
    parameters: doc.parameters,
    annotations: doc.annotations,
    updated: doc.updated,
  };
}

export function packageSummary(doc: PackageDoc): Record<string, unknown> {
  return { ...entitySummary(doc), binding: boundPackage(doc) ?? false };
}

/** A GET: the package (or binding) at the path, with merged parameters and its provider's actions. */
export function packageWithActions(doc: PackageDoc, parameters: readonly KeyValue[], actions: readonly ActionDoc[]): Record<string, unknown> {
  const entry = (a: ActionDoc) => ({ name: a.name, version: a.version, annotations: a.annotations });
  const isFeed = (a: ActionDoc) => a.annotations.some((x) => x.key === FEED_ANNOTATION);
  return {
    ...packageView(doc),
    parameters,
    actions: actions.filter((a) => !isFeed(a)).map(entry),
    feeds: actions.filter(isFeed).map(entry),
  };
}
