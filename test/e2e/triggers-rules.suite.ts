import openwhisk from 'openwhisk';
import { eventually } from '../harness/eventually';
import type { PlatformUnderTest } from './invoke-path.suite';

// Triggers and rules through the `openwhisk` npm client, as a user's program drives them:
// CRUD, enable/disable, and firing a trigger that really runs the rule's action. Run against
// each profile.

const ECHO = `function main(params) { return { got: params }; }`;

interface OwError {
  statusCode?: number;
  error?: { error?: string; code?: string };
}

export function describeTriggersAndRules(platform: () => PlatformUnderTest): void {
  const unique = `tr-${Date.now().toString(36)}`;
  const names = { action: `${unique}-echo`, trigger: `${unique}-t`, rule: `${unique}-r` };
  const client = () => openwhisk({ apihost: platform().apihost, api_key: platform().auth });
  const raw = (path: string, init: RequestInit = {}) =>
    fetch(`${platform().apihost}/api/v1${path}`, {
      ...init,
      headers: { Authorization: `Basic ${Buffer.from(platform().auth).toString('base64')}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });
  const refusal = (work: Promise<unknown>) => work.then(() => ({ statusCode: 0 }) as OwError, (err: OwError) => err);

  it('creates, reads, lists, updates and deletes a trigger', async () => {
    const ow = client();
    const scratch = `${unique}-scratch`;
    const created = await ow.triggers.create({ name: scratch, trigger: { parameters: [{ key: 'a', value: 1 }] } as never });
    expect(created).toMatchObject({ namespace: 'guest', name: scratch, version: '0.0.1', limits: {}, parameters: [{ key: 'a', value: 1 }] });
    expect(await ow.triggers.get({ name: scratch })).toMatchObject({ name: scratch, parameters: [{ key: 'a', value: 1 }] });
    const listed = await ow.triggers.list({ limit: 200 });
    expect(listed.find((x) => x.name === scratch)).toMatchObject({ namespace: 'guest', version: '0.0.1' });
    expect(listed.find((x) => x.name === scratch)).not.toHaveProperty('parameters');
    expect(await ow.triggers.list({ count: true } as never)).toEqual({ triggers: expect.any(Number) });
    const updated = await ow.triggers.update({ name: scratch, trigger: { publish: true } as never });
    expect(updated).toMatchObject({ version: '0.0.2', publish: true, parameters: [{ key: 'a', value: 1 }] });
    expect(await refusal(ow.triggers.create({ name: scratch }))).toMatchObject({ statusCode: 409, error: { error: 'resource already exists' } });
    await ow.triggers.delete({ name: scratch });
    expect(await refusal(ow.triggers.get({ name: scratch }))).toMatchObject({ statusCode: 404, error: { error: 'The requested resource does not exist.' } });
  });

  it('refuses bad triggers with OpenWhisk answers', async () => {
    const ow = client();
    expect(await refusal(ow.triggers.create({ name: `${unique}-feed`, trigger: { annotations: [{ key: 'feed', value: 'a//b' }] } as never }))).toMatchObject({
      statusCode: 400,
      error: { error: 'Feed name is not valid', code: expect.any(String) },
    });
    await ow.actions.create({ name: `${unique}-clash`, action: ECHO });
    expect(await refusal(ow.triggers.create({ name: `${unique}-clash` }))).toMatchObject({ statusCode: 409, error: { error: 'Resource by this name exists but is not in this collection.' } });
    expect(await refusal(ow.triggers.invoke({ name: `${unique}-missing` }))).toMatchObject({ statusCode: 404 });
  });

  it('creates an active rule, reads and lists it, and refuses rules to missing entities', async () => {
    const ow = client();
    await ow.actions.create({ name: names.action, action: ECHO, params: { fromAction: 'a', level: 'action' } });
    await ow.triggers.create({ name: names.trigger, trigger: { parameters: [{ key: 'fromTrigger', value: 't' }, { key: 'level', value: 'trigger' }] } as never });
    const created = await ow.rules.create({ name: names.rule, trigger: names.trigger, action: names.action });
    expect(created).toMatchObject({ name: names.rule, status: 'active', trigger: { path: 'guest', name: names.trigger }, action: { path: 'guest', name: names.action } });
    expect(await ow.rules.get({ name: names.rule })).toMatchObject({ status: 'active' });
    expect((await ow.rules.list({ limit: 200 })).some((r) => r.name === names.rule)).toBe(true);
    expect((await ow.triggers.get({ name: names.trigger })).rules).toEqual({ [`guest/${names.rule}`]: { action: { path: 'guest', name: names.action }, status: 'active' } });
    expect(await refusal(ow.rules.create({ name: `${unique}-bad`, trigger: `${unique}-nope`, action: names.action }))).toMatchObject({
      statusCode: 400,
      error: { error: `trigger /guest/${unique}-nope does not exist` },
    });
    expect(await refusal(ow.rules.create({ name: `${unique}-bad`, trigger: names.trigger, action: `${unique}-nope` }))).toMatchObject({
      statusCode: 400,
      error: { error: `action /guest/${unique}-nope does not exist` },
    });
    expect(await refusal(ow.rules.get({ name: `${unique}-bad` }))).toMatchObject({ statusCode: 404 });
  });

  it('fires the trigger and really runs the action, caused by the trigger activation', async () => {
    const ow = client();
    const fired = await ow.triggers.invoke({ name: names.trigger, params: { fromPayload: 'p', level: 'payload' } });
    expect(fired.activationId).toMatch(/^[0-9a-f]{32}$/);
    const triggerRecord = await ow.activations.get({ name: fired.activationId });
    expect(triggerRecord).toMatchObject({ name: names.trigger, response: { success: true, result: { fromPayload: 'p', level: 'payload' } } });
    expect(triggerRecord.end).toBeUndefined();
    const [line] = triggerRecord.logs.map((l: string) => JSON.parse(l) as Record<string, unknown>);
    expect(line).toMatchObject({ statusCode: 0, success: true, rule: `guest/${names.rule}`, action: `guest/${names.action}`, activationId: expect.stringMatching(/^[0-9a-f]{32}$/) });

    const ran = await eventually(async () => {
      const list = (await ow.activations.list({ name: names.action, limit: 50, docs: true })) as unknown as Array<{ cause?: string; activationId: string; annotations: Array<{ key: string; value: unknown }>; response: { result: unknown; success: boolean } }>;
      return list.find((a) => a.cause === fired.activationId);
    }, 60_000, 250);
    expect(ran.activationId).toBe(line!.activationId);
    expect(ran.response.success).toBe(true);
    // Only sequence components are annotated causedBy, as on OpenWhisk.
    expect(ran.annotations.find((a) => a.key === 'causedBy')).toBeUndefined();
    // Action parameters < trigger parameters < fire payload.
    expect(ran.response.result).toEqual({ got: { fromAction: 'a', fromTrigger: 't', fromPayload: 'p', level: 'payload' } });
    // Wisp's own (ADR 0023): the record names its trigger and where it ran, and the filters find it.
    expect(ran.annotations).toEqual(expect.arrayContaining([{ key: 'trigger', value: `guest/${names.trigger}` }, { key: 'retryCount', value: 0 }, { key: 'invokerId', value: expect.any(String) }]));
    const startKind = ran.annotations.find((a) => a.key === 'startKind')?.value as string;
    expect(['cold', 'prewarmed', 'warm']).toContain(startKind);
    const byTrigger = (await (await raw(`/namespaces/_/activations?trigger=${names.trigger}&status=success&start=${startKind}`)).json()) as Array<{ activationId: string }>;
    expect(byTrigger.map((a) => a.activationId)).toContain(ran.activationId);
    const byCause = (await (await raw(`/namespaces/_/activations?cause=${fired.activationId}&paged=true`)).json()) as { activations: Array<{ activationId: string }> };
    expect(byCause.activations.map((a) => a.activationId)).toEqual([ran.activationId]);
  });

  it('answers 204 when the only rule is disabled, and fires again once enabled', async () => {
    const ow = client();
    await ow.rules.disable({ name: names.rule });
    expect(await ow.rules.get({ name: names.rule })).toMatchObject({ status: 'inactive' });
    const res = await raw(`/namespaces/_/triggers/${names.trigger}`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(204);
    expect(res.headers.get('x-openwhisk-activation-id')).toBeNull();
    await ow.rules.enable({ name: names.rule });
    expect(await ow.rules.get({ name: names.rule })).toMatchObject({ status: 'active' });
    const again = await raw(`/namespaces/_/triggers/${names.trigger}`, { method: 'POST', body: '{"x":1}' });
    expect(again.status).toBe(202);
    expect(again.headers.get('x-openwhisk-activation-id')).toBe(((await again.json()) as { activationId: string }).activationId);
    const bad = await raw(`/namespaces/_/rules/${names.rule}`, { method: 'POST', body: '{"status":"sleeping"}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe("'sleeping' is not a recognized rule state, must be one of ['active', 'inactive']");
  });

  it('deletes the rule and the trigger', async () => {
    const ow = client();
    expect(await ow.rules.delete({ name: names.rule })).toMatchObject({ name: names.rule, status: 'inactive' });
    expect(await refusal(ow.rules.get({ name: names.rule }))).toMatchObject({ statusCode: 404 });
    expect((await ow.triggers.get({ name: names.trigger })).rules).toBeUndefined();
    const res = await raw(`/namespaces/_/triggers/${names.trigger}`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(204);
    await ow.triggers.delete({ name: names.trigger });
    await ow.actions.delete({ name: names.action });
  });
}
