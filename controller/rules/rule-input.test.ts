import { rejection } from '../../test/harness/rejection';
import { buildRule, parseEntityRef, parseRuleState } from './rule-input';

const context = { namespace: 'guest', name: 'r', now: 1000 };

describe('parseEntityRef', () => {
  it.each([
    ['/_/t', { path: 'guest', name: 't' }],
    ['/guest/t', { path: 'guest', name: 't' }],
    ['/other/pkg/a', { path: 'other/pkg', name: 'a' }],
    ['/_/pkg/a', { path: 'guest/pkg', name: 'a' }],
    ['other/a', { path: 'other', name: 'a' }],
    ['a', { path: 'guest', name: 'a' }],
    ['whisk.system/utils/echo', { path: 'whisk.system/utils', name: 'echo' }],
    [{ path: '_', name: 't' }, { path: 'guest', name: 't' }],
    [{ path: 'ns/pkg', name: 'a' }, { path: 'ns/pkg', name: 'a' }],
  ])('reads %j', (raw, ref) => {
    expect(parseEntityRef(raw, 'action', 'guest')).toEqual(ref);
  });

  it.each(['', '/', '//a', '/a/b/c/d', 'a/b$/c', 5, [], { path: 'a/b/c', name: 'x' }, { path: 'a', name: '' }, { name: 'x' }])('refuses %j with a message naming the field', (raw) => {
    const error = rejection(() => parseEntityRef(raw, 'trigger', 'guest'));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^The request content was malformed:\n'trigger' must be a fully qualified name/);
  });
});

describe('buildRule', () => {
  it('creates a rule from fully qualified names', () => {
    expect(buildRule({ trigger: '/_/t', action: '/_/a', status: '', name: 'ignored' }, context)).toEqual({
      entityType: 'rule',
      namespace: 'guest',
      name: 'r',
      version: '0.0.1',
      publish: false,
      annotations: [],
      trigger: { path: 'guest', name: 't' },
      action: { path: 'guest', name: 'a' },
      updated: 1000,
    });
  });

  it('keeps the trigger and action on an update that does not name them, and bumps the version', () => {
    const first = buildRule({ trigger: 't', action: 'a' }, context);
    const second = buildRule({ action: '/guest/pkg/b' }, context, first);
    expect(second).toMatchObject({ version: '0.0.2', trigger: { path: 'guest', name: 't' }, action: { path: 'guest/pkg', name: 'b' } });
  });

  it.each([{}, { trigger: '/_/t' }, { action: '/_/a' }, { trigger: null, action: '/_/a' }])('answers OpenWhisk\'s message for %j', (body) => {
    expect(rejection(() => buildRule(body, context))).toEqual({ status: 400, message: 'rule requires a valid trigger and a valid action' });
  });
});

describe('parseRuleState', () => {
  it('reads active and inactive', () => {
    expect(parseRuleState({ status: 'active' })).toBe('active');
    expect(parseRuleState({ status: 'inactive' })).toBe('inactive');
  });

  it.each([
    [{ status: 'paused' }, "'paused' is not a recognized rule state, must be one of ['active', 'inactive']"],
    [{ status: 1 }, "'1' is not a recognized rule state, must be one of ['active', 'inactive']"],
    [{}, "'' is not a recognized rule state, must be one of ['active', 'inactive']"],
  ])('refuses %j', (body, message) => {
    expect(rejection(() => parseRuleState(body))).toEqual({ status: 400, message });
  });
});
