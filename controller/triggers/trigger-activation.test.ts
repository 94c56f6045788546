import type { TriggerDoc } from '../../common/entities/trigger';
import { toActivationView } from '../../common/entities/activation';
import { ruleArguments, ruleLogLine, triggerActivation } from './trigger-activation';

const trigger: TriggerDoc = {
  entityType: 'trigger',
  namespace: 'guest',
  name: 't',
  version: '0.0.3',
  publish: false,
  parameters: [{ key: 'a', value: 1 }, { key: 'b', value: 1 }],
  limits: {},
  annotations: [],
  updated: 1,
};
const identity = { subject: 'guest', namespace: 'guest', uuid: 'u', authKey: 'u:k' };

describe('trigger activation', () => {
  it('writes log lines with OpenWhisk field order', () => {
    expect(ruleLogLine({ kind: 'invoked', rule: 'guest/r', action: 'guest/a', activationId: 'x'.repeat(32) })).toBe(
      `{"statusCode":0,"success":true,"activationId":"${'x'.repeat(32)}","rule":"guest/r","action":"guest/a"}`,
    );
    expect(ruleLogLine({ kind: 'failed', rule: 'guest/r', action: 'guest/a', statusCode: 1, error: 'gone' })).toBe(
      '{"statusCode":1,"success":false,"error":"gone","rule":"guest/r","action":"guest/a"}',
    );
  });

  it('records the payload as the result, with end 0 so the view has neither end nor duration', () => {
    const record = triggerActivation({ trigger, identity, activationId: 'f'.repeat(32), start: 5, payload: { p: 1 }, outcomes: [] });
    expect(record).toMatchObject({ namespace: 'guest', name: 't', subject: 'guest', version: '0.0.3', start: 5, end: 0, response: { statusCode: 0, result: { p: 1 } }, logs: [] });
    const view = toActivationView(record);
    expect(view.end).toBeUndefined();
    expect(view.duration).toBeUndefined();
    expect(view.response).toEqual({ status: 'success', success: true, result: { p: 1 } });
  });

  it('puts the fire payload over the trigger parameters', () => {
    expect(ruleArguments(trigger, { b: 2, c: 3 })).toEqual({ a: 1, b: 2, c: 3 });
  });
});
