import { DEFAULT_LIMITS } from '../../common/entities/limits';
import { ACTIVATION_MESSAGE_VERSION, type ActivationMessage } from '../../common/protocol/activation-message';
import { REAPED_MESSAGE, reapedRecord, reapStep, shouldReap } from './reap-decision';

const message: ActivationMessage = {
  v: ACTIVATION_MESSAGE_VERSION,
  activationId: 'a'.repeat(32),
  transid: 't'.repeat(32),
  controllerId: 'controller0',
  action: { namespace: 'guest/pkg', name: 'sleepy', revision: '3-abc', version: '0.0.2' },
  limits: DEFAULT_LIMITS,
  kind: 'nodejs:20',
  user: { subject: 'alice', namespace: 'guest', authKey: 'u:k' },
  content: {},
  blocking: false,
  acceptedAt: 1_000,
  cause: 'c'.repeat(32),
};

describe('reap decisions', () => {
  it('reaps only an invoker down for at least the reap time', () => {
    expect(shouldReap('down', 0, 10_000, 10_000)).toBe(true);
    expect(shouldReap('down', 0, 9_999, 10_000)).toBe(false);
    // An unhealthy invoker still beats: it may yet fetch its own work.
    expect(shouldReap('unhealthy', 0, 60_000, 10_000)).toBe(false);
    expect(shouldReap('up', 0, 60_000, 10_000)).toBe(false);
  });

  it('leaves recorded work alone, re-dispatches within the window, fails after it', () => {
    expect(reapStep(true, 0, 1_000_000, 10)).toBe('finished');
    expect(reapStep(false, 1_000, 1_000 + 59_999, 60_000)).toBe('redispatch');
    expect(reapStep(false, 1_000, 1_000 + 60_000, 60_000)).toBe('fail');
    expect(reapStep(false, 1_000, 1_000, 0)).toBe('fail');
  });

  it("records a failure as a whisk internal error in the caller's namespace, shaped like an invoker's record", () => {
    expect(reapedRecord(message, 31_000)).toEqual({
      namespace: 'guest',
      name: 'sleepy',
      subject: 'alice',
      activationId: message.activationId,
      start: 31_000,
      end: 31_000,
      duration: 0,
      cause: message.cause,
      response: { statusCode: 3, result: { error: REAPED_MESSAGE } },
      logs: [],
      version: '0.0.2',
      publish: false,
      annotations: [
        { key: 'path', value: 'guest/pkg/sleepy' },
        { key: 'waitTime', value: 30_000 },
        { key: 'kind', value: 'nodejs:20' },
        { key: 'limits', value: DEFAULT_LIMITS },
      ],
    });
  });
});
