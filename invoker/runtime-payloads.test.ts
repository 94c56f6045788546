import type { KeyValue } from '../common/entities/parameters';
import { DEFAULT_LIMITS } from '../common/entities/limits';
import { ACTIVATION_MESSAGE_VERSION, type ActivationMessage } from '../common/protocol/activation-message';
import type { RunnableAction } from './action-cache';
import { initPayload, runPayload } from './runtime-payloads';

const KEY = '23bc46b1-71f6-4ed5-8c54-816aa4f8c502:secret-of-the-caller';

const message: ActivationMessage = {
  v: ACTIVATION_MESSAGE_VERSION,
  activationId: 'a'.repeat(32),
  transid: 't1',
  controllerId: 'controller0',
  action: { namespace: 'whisk.system', name: 'echo', revision: '1-x', version: '0.0.1' },
  limits: DEFAULT_LIMITS,
  kind: 'nodejs:20',
  user: { subject: 'alice', namespace: 'alice', authKey: KEY },
  content: { x: 1 },
  blocking: true,
  acceptedAt: 1,
};

function action(annotations: KeyValue[]): RunnableAction {
  return {
    entityType: 'action',
    namespace: 'whisk.system',
    name: 'echo',
    version: '0.0.1',
    publish: true,
    exec: { kind: 'nodejs:20', code: 'function main(a) { return a; }', binary: false },
    parameters: [],
    annotations,
    limits: DEFAULT_LIMITS,
    updated: 1,
  };
}

describe('the caller key goes only to an action that asks for it', () => {
  it.each([
    ['no annotation', []],
    ['provide-api-key: false', [{ key: 'provide-api-key', value: false }]],
    ['provide-api-key: "true" (a string, not the boolean)', [{ key: 'provide-api-key', value: 'true' }]],
    ['provide-api-key: 1', [{ key: 'provide-api-key', value: 1 }]],
  ])('%s: neither /run nor /init carries the key (a system action included)', (_name, annotations: KeyValue[]) => {
    const run = runPayload(message, action(annotations), 1000);
    const init = initPayload(message, action(annotations), 1000);
    expect(run).not.toHaveProperty('api_key');
    expect(init.value.env).not.toHaveProperty('__OW_API_KEY');
    expect(JSON.stringify({ run, init })).not.toContain('secret-of-the-caller');
  });

  it('provide-api-key: true hands the key to /run as api_key and to /init as __OW_API_KEY', () => {
    const asked = action([{ key: 'provide-api-key', value: true }]);
    expect(runPayload(message, asked, 1000)).toMatchObject({ api_key: KEY, namespace: 'alice', value: { x: 1 } });
    expect(initPayload(message, asked, 1000).value.env).toMatchObject({ __OW_API_KEY: KEY, __OW_NAMESPACE: 'alice' });
  });
});
