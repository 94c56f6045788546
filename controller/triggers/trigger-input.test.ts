import { rejection } from '../../test/harness/rejection';
import type { TriggerDoc } from '../../common/entities/trigger';
import { buildTrigger } from './trigger-input';

const context = { namespace: 'guest', name: 't', now: 1000 };

describe('buildTrigger', () => {
  it('creates a trigger with OpenWhisk defaults, limits always {} and no rules map', () => {
    const doc = buildTrigger({ limits: { anything: 1 }, rules: { 'guest/x': {} }, name: 'ignored' }, context);
    expect(doc).toEqual({ entityType: 'trigger', namespace: 'guest', name: 't', version: '0.0.1', publish: false, parameters: [], limits: {}, annotations: [], updated: 1000 });
  });

  it('updates given fields, keeps the rest and the rules map, and bumps the patch version', () => {
    const rules = { 'guest/r': { action: { path: 'guest', name: 'a' }, status: 'active' as const } };
    const first: TriggerDoc = { ...buildTrigger({ parameters: [{ key: 'a', value: 1 }], annotations: [{ key: 'x', value: 1 }] }, context), rules };
    const second = buildTrigger({ parameters: [{ key: 'b', value: 2 }], publish: true }, { ...context, now: 2000 }, first);
    expect(second).toMatchObject({ version: '0.0.2', publish: true, parameters: [{ key: 'b', value: 2 }], annotations: [{ key: 'x', value: 1 }], rules, updated: 2000 });
    expect(buildTrigger({ version: '3.0.0' }, context, second).version).toBe('3.0.0');
  });

  it.each(['/whisk.system/alarms/alarm', 'whisk.system/alarms/alarm', '/guest/feed', 'feed'])('accepts the feed path %s', (feed) => {
    expect(buildTrigger({ annotations: [{ key: 'feed', value: feed }] }, context).annotations).toEqual([{ key: 'feed', value: feed }]);
  });

  it.each([
    [{ annotations: [{ key: 'feed', value: 'a//b' }] }, 400, 'Feed name is not valid'],
    [{ annotations: [{ key: 'feed', value: 42 }] }, 400, 'Feed name is not valid'],
    [{ annotations: [{ key: 'feed', value: '/a/b/c/d' }] }, 400, 'Feed name is not valid'],
    [{ annotations: [{ key: 'feed', value: '/bad$ns/x' }] }, 400, 'Feed name is not valid'],
    [{ parameters: {} }, 400, "'parameters' must be an array of {key, value}, but was an object."],
    [{ parameters: [{ value: 1 }] }, 400, "'parameters[0].key' must be a non-empty string"],
    [{ annotations: 'x' }, 400, "'annotations' must be an array"],
    [{ limits: 5 }, 400, "'limits' must be an object, but was number 5."],
    [{ version: '1.0' }, 400, "'version' must be a semantic version"],
    [{ publish: 'yes' }, 400, "'publish' must be a boolean, but was string 'yes'."],
  ])('rejects %j', (body, status, message) => {
    const error = rejection(() => buildTrigger(body as Record<string, unknown>, context));
    expect(error.status).toBe(status);
    expect(error.message).toContain(message);
  });

  it('answers 413 for parameters over 1 MB', () => {
    const error = rejection(() => buildTrigger({ parameters: [{ key: 'a', value: 'x'.repeat(1024 * 1024) }] }, context));
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/^parameters larger than allowed: \d+ > 1048576 bytes\.$/);
  });
});
