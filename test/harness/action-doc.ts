import type { ActionDoc } from '../../common/entities/action';
import { DEFAULT_LIMITS } from '../../common/entities/limits';

/** A stored nodejs action as the controller writes it, for tests that put one straight into a store; `fields` override. */
export function actionDoc(fields: Partial<ActionDoc> & Pick<ActionDoc, 'name'>): ActionDoc {
  return {
    entityType: 'action',
    namespace: 'guest',
    version: '0.0.1',
    publish: false,
    exec: { kind: 'nodejs:20', code: 'x', binary: false },
    parameters: [],
    annotations: [],
    limits: DEFAULT_LIMITS,
    updated: 0,
    ...fields,
  };
}
