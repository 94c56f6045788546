import type { ActionDoc } from '../../common/entities/action';

// API shapes of an action: the full entity (optionally without code) and the list summary.

export function actionView(doc: ActionDoc, withCode = true): Record<string, unknown> {
  const { entityType: _entityType, exec, ...rest } = doc;
  const shownExec = withCode ? exec : { kind: exec.kind, binary: exec.binary, ...(exec.main ? { main: exec.main } : {}) };
  return { ...rest, exec: shownExec };
}

export function actionSummary(doc: ActionDoc): Record<string, unknown> {
  return {
    namespace: doc.namespace,
    name: doc.name,
    version: doc.version,
    publish: doc.publish,
    annotations: doc.annotations,
    limits: doc.limits,
    exec: { binary: doc.exec.binary },
    updated: doc.updated,
  };
}
