import { MAX_SEQUENCE_LENGTH, isSequenceExec, type ActionDoc } from '../../common/entities/action';
import type { QualifiedName } from '../../common/entities/entity-name';
import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import { formatQualifiedName, parseQualifiedName } from './sequence-components';
import type { ComponentResolver } from './sequence-resolver';

// The checks OpenWhisk makes when a sequence is saved (CTL/Actions.scala
// checkSequenceActionLimits): every component exists and may be read by the saving namespace,
// the sequence does not reach itself through its components (directly or through nested
// sequences), and it expands to at most 50 atomic actions.

/** `self` is the sequence being saved; `components` are its normalised fully qualified names. */
export async function checkSequence(self: QualifiedName, components: readonly string[], resolve: ComponentResolver): Promise<void> {
  const selfName = formatQualifiedName(self);
  const asNamespace = self.namespace;
  const cache = new Map<string, Promise<ActionDoc | undefined>>();
  const fetch = (name: string) => {
    let found = cache.get(name);
    if (!found) {
      const parsed = parseQualifiedName(name, asNamespace);
      found = parsed ? resolve(parsed, asNamespace).then((r) => r?.action.doc) : Promise.resolve(undefined);
      cache.set(name, found);
    }
    return found;
  };
  let atomic = 0;
  const visit = async (names: readonly string[], ancestors: readonly string[]): Promise<void> => {
    const cyclic = (name: string) => name === selfName || ancestors.includes(name);
    // Fetched together, as OpenWhisk resolves a sequence's components concurrently.
    const docs = await Promise.all(names.map((name) => (cyclic(name) ? undefined : fetch(name))));
    for (const [index, name] of names.entries()) {
      if (cyclic(name)) throw new PlatformError('sequence-cyclic', Messages.sequenceIsCyclic);
      const doc = docs[index];
      if (!doc) throw new PlatformError('sequence-component-not-found', Messages.sequenceComponentMissing);
      if (isSequenceExec(doc.exec)) {
        await visit(doc.exec.components, [...ancestors, name]);
      } else {
        atomic += 1;
        if (atomic > MAX_SEQUENCE_LENGTH) throw new PlatformError('sequence-too-long', Messages.sequenceTooLong);
      }
    }
  };
  await visit(components, []);
}
