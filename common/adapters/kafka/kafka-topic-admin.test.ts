import { isTopicNotReady } from './kafka-topic-admin';

describe('isTopicNotReady', () => {
  it('retries what a topic being made by another process answers for a moment', () => {
    expect(isTopicNotReady({ type: 'UNKNOWN_TOPIC_OR_PARTITION' })).toBe(true);
    expect(isTopicNotReady({ type: 'LEADER_NOT_AVAILABLE' })).toBe(true);
    expect(isTopicNotReady({ errors: [{ type: 'LEADER_NOT_AVAILABLE' }, { type: 'UNKNOWN_TOPIC_OR_PARTITION' }] })).toBe(true);
  });

  it('lets every other failure through at once', () => {
    expect(isTopicNotReady({ type: 'INVALID_REPLICATION_FACTOR' })).toBe(false);
    expect(isTopicNotReady({ errors: [{ type: 'LEADER_NOT_AVAILABLE' }, { type: 'POLICY_VIOLATION' }] })).toBe(false);
    expect(isTopicNotReady(new Error('Connection error: ECONNREFUSED'))).toBe(false);
    expect(isTopicNotReady(undefined)).toBe(false);
  });
});
