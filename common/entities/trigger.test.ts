import { refAddress } from './rule';
import { ruleStatusIn, sameLink, withRuleLink, type TriggerDoc } from './trigger';

const trigger: TriggerDoc = { entityType: 'trigger', namespace: 'guest', name: 't', version: '0.0.1', publish: false, parameters: [], limits: {}, annotations: [], updated: 1 };
const link = { action: { path: 'guest', name: 'a' }, status: 'active' as const };

describe('trigger rule links', () => {
  it('adds, replaces and removes one link without touching the others', () => {
    const one = withRuleLink(trigger, 'guest/r1', link);
    const two = withRuleLink(one, 'guest/r2', { ...link, status: 'inactive' });
    expect(Object.keys(two.rules!)).toEqual(['guest/r1', 'guest/r2']);
    expect(ruleStatusIn(two, 'guest/r2')).toBe('inactive');
    const removed = withRuleLink(two, 'guest/r1', undefined);
    expect(removed.rules).toEqual({ 'guest/r2': { ...link, status: 'inactive' } });
    expect(withRuleLink(removed, 'guest/r2', undefined)).toEqual(trigger);
    expect(trigger.rules).toBeUndefined();
  });

  it('computes inactive for a missing trigger, map or link, including inherited keys', () => {
    expect(ruleStatusIn(undefined, 'guest/r')).toBe('inactive');
    expect(ruleStatusIn(trigger, 'guest/r')).toBe('inactive');
    expect(ruleStatusIn(withRuleLink(trigger, 'guest/x', link), 'constructor')).toBe('inactive');
  });

  it('compares links by status and action', () => {
    expect(sameLink(link, { action: { path: 'guest', name: 'a' }, status: 'active' })).toBe(true);
    expect(sameLink(link, { ...link, status: 'inactive' })).toBe(false);
    expect(sameLink(undefined, undefined)).toBe(true);
    expect(sameLink(link, undefined)).toBe(false);
  });

  it('addresses packaged actions by their key inside the namespace', () => {
    expect(refAddress({ path: 'guest', name: 'a' })).toEqual({ namespace: 'guest', key: 'a' });
    expect(refAddress({ path: 'whisk.system/utils', name: 'echo' })).toEqual({ namespace: 'whisk.system', key: 'utils/echo', pkg: 'utils' });
  });
});
