import fc from 'fast-check';
import { splitAuth } from '../common/entities/credentials';
import { newTransactionId } from '../common/ids';
import { startControllerUnderTest, type ControllerUnderTest } from '../test/harness/controller-under-test';
import { errorOf } from '../test/harness/error-answer';
import { eventually } from '../test/harness/eventually';
import { publishIdentityChange } from './identity/identity-change-listener';
import { IdentityRecords } from './identity/identity-records';

// Namespaces, keys, limits and throttles through the HTTP API on the standalone adapters, with a
// real invoker running actions as local processes. Identities are written the way wisp-admin
// writes them (IdentityRecords on the same store), and changes are announced on the signal bus.

jest.setTimeout(60_000);

const CACHE_TTL_MS = 1000;
let t: ControllerUnderTest;
let records: IdentityRecords;

beforeAll(async () => {
  t = await startControllerUnderTest(`wisp-test-${newTransactionId().slice(0, 10)}`, {
    processInvoker: true,
    controllerEnv: { WISP_IDENTITY_CACHE_TTL_MS: String(CACHE_TTL_MS) },
  });
  records = new IdentityRecords({ store: t.stores.entities, onChange: (change) => publishIdentityChange(t.signals, t.naming, change) });
});

afterAll(async () => {
  await t.stop();
});

const call = (auth: string, method: string, path: string, body?: unknown) => t.callAs(auth, method, path, body === undefined ? undefined : JSON.stringify(body));

const nodeAction = (code: string, limits: Record<string, number> = {}) => ({ exec: { kind: 'nodejs:20', code }, limits });
const QUICK = 'function main(p) { return { ok: true, n: p.n }; }';
const SLOW = 'function main() { return new Promise((resolve) => setTimeout(() => resolve({ slow: true }), 1500)); }';
let subjects = 0;

/** Rate windows are calendar minutes: a test counting within one must not straddle two. */
async function awayFromMinuteBoundary(marginMs = 5000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
const newSubject = () => `subject-${++subjects}-${newTransactionId().slice(0, 6)}`;

describe('namespaces and keys', () => {
  it("lists every namespace of the caller's subject, the key's own first", async () => {
    const subject = newSubject();
    const a = await records.createUser(subject, `${subject}-a`);
    const b = await records.createUser(subject, `${subject}-b`);
    const c = await records.createNamespace(subject, `${subject}-c`);
    expect(await (await call(a, 'GET', '/namespaces')).json()).toEqual([`${subject}-a`, `${subject}-b`, `${subject}-c`]);
    expect(await (await call(c, 'GET', '/namespaces')).json()).toEqual([`${subject}-c`, `${subject}-a`, `${subject}-b`]);
    expect((await call(b, 'GET', '/namespaces/_/actions')).status).toBe(200);
  });

  it("refuses another namespace's entities with 403, even one of the same subject, and `_` is the key's namespace", async () => {
    const subject = newSubject();
    const a = await records.createUser(subject, `${subject}-a`);
    const b = await records.createUser(subject, `${subject}-b`);
    expect((await call(b, 'PUT', '/namespaces/_/actions/private', nodeAction(QUICK))).status).toBe(200);
    for (const [method, path, what] of [
      ['GET', `/namespaces/${subject}-b/actions/private`, `${subject}-b/private`],
      ['POST', `/namespaces/${subject}-b/actions/private`, `${subject}-b/private`],
      ['DELETE', `/namespaces/${subject}-b/actions/private`, `${subject}-b/private`],
      ['GET', `/namespaces/${subject}-b/actions`, `${subject}-b/actions`],
      ['GET', `/namespaces/${subject}-b/limits`, `${subject}-b/limits`],
      ['GET', `/namespaces/${subject}-b/activations`, `${subject}-b/activations`],
    ] as const) {
      expect(await errorOf(await call(a, method, path))).toEqual({ status: 403, error: `The supplied authentication is not authorized to access '${what}'.` });
    }
    expect((await call(a, 'GET', '/namespaces/_/actions/private')).status).toBe(404);
    expect((await call(b, 'GET', `/namespaces/${subject}-b/actions/private`)).status).toBe(200);
  });

  it('stops a revoked key at once when the change is announced, and keeps the other keys working', async () => {
    const subject = newSubject();
    const first = await records.createUser(subject);
    const second = await records.issueKey(subject);
    expect((await call(first, 'GET', '/namespaces/_/actions')).status).toBe(200);
    expect((await call(second, 'GET', '/namespaces/_/actions')).status).toBe(200);
    await records.revokeKey(splitAuth(first).uuid);
    await t.signals.flush();
    const refused = await call(first, 'GET', '/namespaces/_/actions');
    expect(await errorOf(refused)).toEqual({ status: 401, error: 'The supplied authentication is invalid' });
    expect(refused.headers.get('www-authenticate')).toBe('Basic realm="OpenWhisk secure realm"');
    expect((await call(second, 'GET', '/namespaces/_/actions')).status).toBe(200);
  });

  it('stops a revoked key within the cache TTL even when no signal arrives', async () => {
    const subject = newSubject();
    const auth = await records.createUser(subject);
    expect((await call(auth, 'GET', '/namespaces/_/actions')).status).toBe(200);
    const silent = new IdentityRecords({ store: t.stores.entities });
    const revokedAt = Date.now();
    await silent.revokeKey(splitAuth(auth).uuid);
    await eventually(async () => ((await call(auth, 'GET', '/namespaces/_/actions')).status === 401 ? true : undefined), 5000, 50);
    // The margin covers one slow poll on a loaded machine; without the TTL the key would stay valid.
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(CACHE_TTL_MS + 1500);
  });

  it('refuses a key with the right uuid but a wrong key', async () => {
    const auth = await records.createUser(newSubject());
    const { uuid, key } = splitAuth(auth);
    const wrong = `${uuid}:${key.slice(0, -1)}${key.endsWith('a') ? 'b' : 'a'}`;
    expect((await call(wrong, 'GET', '/namespaces')).status).toBe(401);
  });
});

describe('namespace limits', () => {
  it('answers the system defaults, then what the limits doc sets, at once after the change is announced', async () => {
    const subject = newSubject();
    const auth = await records.createUser(subject);
    expect(await (await call(auth, 'GET', '/namespaces/_/limits')).json()).toEqual({
      invocationsPerMinute: 6000,
      concurrentInvocations: 500,
      firesPerMinute: 6000,
      minActionMemory: 128,
      maxActionMemory: 512,
      minActionTimeout: 100,
      maxActionTimeout: 300000,
      minActionLogs: 0,
      maxActionLogs: 10,
      minActionConcurrency: 1,
      maxActionConcurrency: 1,
      maxActionGpuMemory: 81920,
      maxActionGpuCount: 8,
      maxParameterSize: '1 MB',
      storeActivations: true,
    });
    await records.setLimits(subject, { invocationsPerMinute: 60, concurrentInvocations: 30, firesPerMinute: 61, maxActionMemory: 256, allowedKinds: ['nodejs:20'] });
    await t.signals.flush();
    expect(await (await call(auth, 'GET', `/namespaces/${subject}/limits`)).json()).toMatchObject({
      invocationsPerMinute: 60,
      concurrentInvocations: 30,
      firesPerMinute: 61,
      maxActionMemory: 256,
      allowedKinds: ['nodejs:20'],
    });
  });

  it("checks action limits against the namespace's bounds at PUT", async () => {
    const subject = newSubject();
    const auth = await records.createUser(subject);
    await records.setLimits(subject, { maxActionMemory: 256, minActionTimeout: 1000 });
    await t.signals.flush();
    expect(await errorOf(await call(auth, 'PUT', '/namespaces/_/actions/big', nodeAction(QUICK, { memory: 512 })))).toEqual({ status: 400, error: 'memory size 512 MB exceeds allowed threshold of 256 MB' });
    expect(await errorOf(await call(auth, 'PUT', '/namespaces/_/actions/quick', nodeAction(QUICK, { timeout: 500 })))).toEqual({ status: 400, error: 'duration 500 milliseconds below allowed threshold of 1000 milliseconds' });
    expect((await call(auth, 'GET', '/namespaces/_/actions/big')).status).toBe(404);
    expect((await call(auth, 'PUT', '/namespaces/_/actions/fits', nodeAction(QUICK, { memory: 256, timeout: 1000 }))).status).toBe(200);
  });

  it('refuses a kind the namespace is not allowed with 403 and stores nothing', async () => {
    const subject = newSubject();
    const auth = await records.createUser(subject);
    await records.setLimits(subject, { allowedKinds: ['python:3.11'] });
    await t.signals.flush();
    expect(await errorOf(await call(auth, 'PUT', '/namespaces/_/actions/node', nodeAction(QUICK)))).toEqual({
      status: 403,
      error: "The supplied authentication is not authorized to access actions of kind 'nodejs:20'.",
    });
    expect((await call(auth, 'GET', '/namespaces/_/actions/node')).status).toBe(404);
    await records.setLimits(subject, { allowedKinds: null });
    await t.signals.flush();
    expect((await call(auth, 'PUT', '/namespaces/_/actions/node', nodeAction(QUICK))).status).toBe(200);
  });
});

describe('throttles', () => {
  it('answers 429 past the invocations per minute, counting every namespace apart', async () => {
    await awayFromMinuteBoundary();
    const subject = newSubject();
    const auth = await records.createUser(subject);
    const other = await records.createUser(newSubject());
    await records.setLimits(subject, { invocationsPerMinute: 2 });
    await t.signals.flush();
    expect((await call(auth, 'PUT', '/namespaces/_/actions/quick', nodeAction(QUICK))).status).toBe(200);
    expect((await call(auth, 'POST', '/namespaces/_/actions/quick?blocking=true', { n: 1 })).status).toBe(200);
    expect((await call(auth, 'POST', '/namespaces/_/actions/quick?blocking=true', { n: 2 })).status).toBe(200);
    const refused = await call(auth, 'POST', '/namespaces/_/actions/quick?blocking=true', { n: 3 });
    expect(await errorOf(refused)).toEqual({ status: 429, error: 'Too many requests in the last minute (count: 3, allowed: 2).' });
    expect(await errorOf(await call(auth, 'POST', '/namespaces/_/actions/quick', {}))).toEqual({ status: 429, error: 'Too many requests in the last minute (count: 4, allowed: 2).' });
    // CRUD is never throttled, and another namespace has its own count.
    expect((await call(auth, 'GET', '/namespaces/_/actions/quick')).status).toBe(200);
    expect((await call(other, 'PUT', '/namespaces/_/actions/quick', nodeAction(QUICK))).status).toBe(200);
    expect((await call(other, 'POST', '/namespaces/_/actions/quick?blocking=true', {})).status).toBe(200);
  });

  it('answers 429 past the trigger fires per minute', async () => {
    await awayFromMinuteBoundary();
    const subject = newSubject();
    const auth = await records.createUser(subject);
    await records.setLimits(subject, { firesPerMinute: 2 });
    await t.signals.flush();
    expect((await call(auth, 'PUT', '/namespaces/_/triggers/tick', {})).status).toBe(200);
    // No rule: 204, but the fire still counts, as OpenWhisk counts every POST to a trigger.
    expect((await call(auth, 'POST', '/namespaces/_/triggers/tick', {})).status).toBe(204);
    expect((await call(auth, 'POST', '/namespaces/_/triggers/tick', {})).status).toBe(204);
    expect(await errorOf(await call(auth, 'POST', '/namespaces/_/triggers/tick', {}))).toEqual({ status: 429, error: 'Too many requests in the last minute (count: 3, allowed: 2).' });
  });

  it("counts rule-caused invokes against the namespace's invocations per minute", async () => {
    await awayFromMinuteBoundary();
    const subject = newSubject();
    const auth = await records.createUser(subject);
    await records.setLimits(subject, { invocationsPerMinute: 1 });
    await t.signals.flush();
    expect((await call(auth, 'PUT', '/namespaces/_/actions/ruled', nodeAction(QUICK))).status).toBe(200);
    expect((await call(auth, 'PUT', '/namespaces/_/triggers/tock', {})).status).toBe(200);
    expect((await call(auth, 'PUT', '/namespaces/_/rules/tock-ruled', { trigger: '/_/tock', action: '/_/ruled' })).status).toBe(200);
    const logsOf = async (res: Response) => {
      expect(res.status).toBe(202);
      const { activationId } = (await res.json()) as { activationId: string };
      const record = (await (await call(auth, 'GET', `/namespaces/_/activations/${activationId}`)).json()) as { logs: string[] };
      return record.logs.map((line) => JSON.parse(line) as { statusCode: number; error?: string });
    };
    expect((await logsOf(await call(auth, 'POST', '/namespaces/_/triggers/tock', {})))[0]).toMatchObject({ statusCode: 0 });
    expect((await logsOf(await call(auth, 'POST', '/namespaces/_/triggers/tock', {})))[0]).toMatchObject({ statusCode: 1, error: 'Too many requests in the last minute (count: 2, allowed: 1).' });
  });

  it('answers 429 past the concurrent invocations, and frees the slot when the activation completes', async () => {
    const subject = newSubject();
    const auth = await records.createUser(subject);
    await records.setLimits(subject, { concurrentInvocations: 1 });
    await t.signals.flush();
    expect((await call(auth, 'PUT', '/namespaces/_/actions/slow', nodeAction(SLOW))).status).toBe(200);
    const first = await call(auth, 'POST', '/namespaces/_/actions/slow', {});
    expect(first.status).toBe(202);
    const { activationId } = (await first.json()) as { activationId: string };
    expect(await errorOf(await call(auth, 'POST', '/namespaces/_/actions/slow', {}))).toEqual({ status: 429, error: 'Too many concurrent requests in flight (count: 1, allowed: 1).' });
    // The non-blocking activation's ack frees the slot.
    await eventually(async () => ((await call(auth, 'GET', `/namespaces/_/activations/${activationId}`)).status === 200 ? true : undefined), 20_000, 100);
    const next = await eventually(async () => {
      const res = await call(auth, 'POST', '/namespaces/_/actions/slow?blocking=true', {});
      return res.status === 429 ? undefined : res;
    }, 2000, 50);
    expect(next.status).toBe(200);
    // A blocking invoke frees its slot before answering.
    expect((await call(auth, 'POST', '/namespaces/_/actions/slow?blocking=true', {})).status).toBe(200);
  });

  it('answers a rate refusal before a missing action, and a rate-refused invoke keeps no concurrency slot', async () => {
    await awayFromMinuteBoundary();
    const subject = newSubject();
    const auth = await records.createUser(subject);
    expect((await call(auth, 'PUT', '/namespaces/_/actions/quick', nodeAction(QUICK))).status).toBe(200);
    await records.setLimits(subject, { invocationsPerMinute: 1, concurrentInvocations: 1 });
    await t.signals.flush();
    expect((await call(auth, 'POST', '/namespaces/_/actions/quick?blocking=true', {})).status).toBe(200);
    expect(await errorOf(await call(auth, 'POST', '/namespaces/_/actions/missing', {}))).toEqual({ status: 429, error: 'Too many requests in the last minute (count: 2, allowed: 1).' });
    expect(await errorOf(await call(auth, 'POST', '/namespaces/_/actions/quick', {}))).toEqual({ status: 429, error: 'Too many requests in the last minute (count: 3, allowed: 1).' });
    // The only slot was taken alongside the refused rate check; it must be free again (a leaked one would last past the action's timeout).
    await records.setLimits(subject, { invocationsPerMinute: 100, concurrentInvocations: 1 });
    await t.signals.flush();
    const res = await eventually(async () => {
      const answer = await call(auth, 'POST', '/namespaces/_/actions/quick?blocking=true', {});
      return answer.status === 429 ? undefined : answer;
    }, 5000, 100);
    expect(res.status).toBe(200);
  });

  it('takes no slot for a missing action, and refuses every invoke when the concurrent limit is 0', async () => {
    const subject = newSubject();
    const auth = await records.createUser(subject);
    expect((await call(auth, 'PUT', '/namespaces/_/actions/quick', nodeAction(QUICK))).status).toBe(200);
    await records.setLimits(subject, { concurrentInvocations: 1 });
    await t.signals.flush();
    // Missing action: 404 before a slot is taken; the next invoke still gets the only slot.
    expect((await call(auth, 'POST', '/namespaces/_/actions/missing', {})).status).toBe(404);
    expect((await call(auth, 'POST', '/namespaces/_/actions/quick?blocking=true', {})).status).toBe(200);
    await records.setLimits(subject, { concurrentInvocations: 0 });
    await t.signals.flush();
    expect(await errorOf(await call(auth, 'POST', '/namespaces/_/actions/quick', {}))).toEqual({ status: 429, error: 'Too many concurrent requests in flight (count: 0, allowed: 0).' });
  });

  it('never answers 5xx to hostile limits and namespace paths', async () => {
    const auth = await records.createUser(newSubject());
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 300 }), async (segment) => {
        for (const path of [`/namespaces/${encodeURIComponent(segment)}/limits`, `/namespaces/${encodeURIComponent(segment)}`]) {
          const res = await call(auth, 'GET', path);
          expect(res.status).toBeLessThan(500);
          expect([200, 400, 403, 404, 405]).toContain(res.status);
        }
      }),
      { numRuns: 100 },
    );
  });
});
