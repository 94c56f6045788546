import { isSequenceExec, type ActionDoc, type ActionExec } from '../../common/entities/action';
import { entitySummary } from './entity-summary';

// API shapes of an action: the full entity (optionally without code) and the list summary.

export function actionView(doc: ActionDoc, withCode = true): Record<string, unknown> {
  const { entityType: _entityType, exec, ...rest } = doc;
  const shownExec = withCode ? exec : execMetadata(exec);
  return { ...rest, exec: shownExec };
}

export function actionSummary(doc: ActionDoc): Record<string, unknown> {
  return { ...entitySummary(doc), limits: doc.limits, exec: { binary: isSequenceExec(doc.exec) ? false : doc.exec.binary } };
}

/** OpenWhisk's metadata exec (`?code=false`): everything but the code. */
function execMetadata(exec: ActionExec): Record<string, unknown> {
  if (isSequenceExec(exec)) return { kind: exec.kind, components: exec.components };
  const { code: _code, ...rest } = exec;
  return rest;
}
