import { DEFAULT_LIMITS } from '../../common/entities/limits';
import { generateMessageKeyText, parseMessageKey } from '../../common/protocol/message-seal';
import { SEQUENCE_JOB_VERSION, decodeSequenceJob, encodeSequenceJob, type SequenceJob } from './sequence-job';

const key = parseMessageKey(generateMessageKeyText())!;
const UUID = '23bc46b1-71f6-4ed5-8c54-816aa4f8c502';
const AUTH = `${UUID}:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP`;

function job(overrides: Partial<SequenceJob> = {}): SequenceJob {
  return {
    v: SEQUENCE_JOB_VERSION,
    activationId: 'a'.repeat(32),
    transid: 't1',
    controllerId: 'controller0',
    action: { namespace: 'alice/pkg', name: 'payroll', revision: '3-abc' },
    user: { subject: 'alice', namespace: 'alice', uuid: UUID, authKey: AUTH },
    doc: {
      entityType: 'action', namespace: 'alice/pkg', name: 'payroll', version: '0.0.3', publish: false, exec: { kind: 'sequence', components: ['/alice/a', '/alice/b'] },
      parameters: [{ key: 'dbPassword', value: 'sequence-parameter-secret' }], annotations: [], limits: DEFAULT_LIMITS, updated: 1,
    },
    payload: { password: 'hunter2-parameter', nested: [{ token: 'array-parameter' }] },
    blocking: false,
    acceptedAt: 1718000000000,
    deadline: 1718000900000,
    cause: 'b'.repeat(32),
    causedBy: 'trigger',
    trigger: 'alice/nightly',
    binding: 'alice/pkg',
    ...overrides,
  };
}

const wire = (bytes: Buffer) => JSON.parse(bytes.toString('utf8')) as Record<string, unknown> & { sealed: string; user: Record<string, unknown> };
const rewire = (bytes: Buffer, change: (m: Record<string, unknown>) => void) => {
  const m = wire(bytes);
  change(m);
  return Buffer.from(JSON.stringify(m));
};

describe('sequence job', () => {
  it('round-trips through its sealed form', () => {
    expect(decodeSequenceJob(encodeSequenceJob(job(), key), key)).toEqual({ ok: true, job: job() });
    const plain = job({ cause: undefined, causedBy: undefined, trigger: undefined, binding: undefined, payload: [1, 2] });
    for (const k of ['cause', 'causedBy', 'trigger', 'binding'] as const) delete (plain as unknown as Record<string, unknown>)[k];
    expect(decodeSequenceJob(encodeSequenceJob(plain, key), key)).toEqual({ ok: true, job: plain });
  });

  it('puts neither the caller key, its uuid, the payload nor the sequence parameters in the bytes, and keeps the routing fields readable', () => {
    const bytes = encodeSequenceJob(job(), key);
    const text = bytes.toString('utf8');
    for (const secret of [AUTH, UUID, AUTH.split(':')[1]!, 'hunter2-parameter', 'array-parameter', 'password', 'sequence-parameter-secret', 'dbPassword']) expect(text).not.toContain(secret);
    expect(wire(bytes)).toMatchObject({ v: SEQUENCE_JOB_VERSION, activationId: 'a'.repeat(32), controllerId: 'controller0', transid: 't1', user: { subject: 'alice', namespace: 'alice' }, action: { name: 'payroll' }, deadline: 1718000900000 });
    expect(wire(bytes)).not.toHaveProperty('payload');
    expect(wire(bytes)).not.toHaveProperty('doc');
  });

  it('does not open under another key, nor moved into a job for another sequence, caller or controller', () => {
    const bytes = encodeSequenceJob(job(), key);
    const other = parseMessageKey(generateMessageKeyText())!;
    expect(decodeSequenceJob(bytes, other)).toMatchObject({ ok: false, activationId: 'a'.repeat(32), controllerId: 'controller0', transid: 't1', reason: expect.stringContaining('do not open') });
    for (const change of [
      (m: Record<string, unknown>) => (m.activationId = 'c'.repeat(32)),
      (m: Record<string, unknown>) => (m.controllerId = 'controller1'),
      (m: Record<string, unknown>) => ((m.user as Record<string, unknown>).namespace = 'mallory'),
      (m: Record<string, unknown>) => ((m.action as Record<string, unknown>).name = 'other'),
    ]) {
      expect(decodeSequenceJob(rewire(bytes, change), key)).toMatchObject({ ok: false, reason: expect.stringContaining('do not open') });
    }
  });

  it('reports what it can read of a broken job, and never throws', () => {
    expect(decodeSequenceJob(Buffer.from('not json'), key)).toEqual({ ok: false, reason: 'not JSON' });
    expect(decodeSequenceJob(Buffer.from('[1]'), key)).toEqual({ ok: false, reason: 'not an object' });
    const bytes = encodeSequenceJob(job(), key);
    expect(decodeSequenceJob(rewire(bytes, (m) => (m.v = 99)), key)).toMatchObject({ ok: false, activationId: 'a'.repeat(32), reason: expect.stringContaining('version') });
    expect(decodeSequenceJob(rewire(bytes, (m) => (m.activationId = 'nope')), key)).toMatchObject({ ok: false, reason: 'missing or invalid activationId' });
    expect(decodeSequenceJob(rewire(bytes, (m) => delete m.deadline), key)).toMatchObject({ ok: false, activationId: 'a'.repeat(32), reason: expect.stringContaining('deadline') });
    expect(decodeSequenceJob(rewire(bytes, (m) => (m.sealed = 42)), key)).toMatchObject({ ok: false, reason: 'missing sealed fields' });
    expect(decodeSequenceJob(rewire(bytes, (m) => (m.causedBy = 'sequence')), key)).toMatchObject({ ok: false, reason: 'invalid causedBy' });
    const atomic = encodeSequenceJob(job({ doc: { ...job().doc, exec: { kind: 'nodejs:20', code: 'x', binary: false } } }), key);
    expect(decodeSequenceJob(atomic, key)).toMatchObject({ ok: false, reason: 'sealed document is not a sequence or a conductor action' });
    // A conductor action (any kind) is a composition: its job carries it like a sequence (ADR 0028).
    const conductor = encodeSequenceJob(job({ doc: { ...job().doc, exec: { kind: 'nodejs:20', code: 'x', binary: false }, annotations: [{ key: 'conductor', value: true }] } }), key);
    expect(decodeSequenceJob(conductor, key)).toMatchObject({ ok: true });
    // Its code stays out of the job (the invokers read it by revision): a 3 MB action still fits the topic's 2 MB messages.
    const big = encodeSequenceJob(job({ doc: { ...job().doc, exec: { kind: 'nodejs:20', code: 'x'.repeat(3 * 1024 * 1024), binary: false }, annotations: [{ key: 'conductor', value: true }] } }), key);
    expect(big.length).toBeLessThan(16 * 1024);
    expect(decodeSequenceJob(big, key)).toMatchObject({ ok: true, job: { doc: { exec: { code: '' }, annotations: [{ key: 'conductor', value: true }] } } });
  });
});
