import { parseMessageSpec, FIRE_BODY_LIMIT_BYTES } from '../../common/feeds/message-spec';
import { batchDue, batchFireId, batchLength, batchLimits, encodeMessage, type RawMessage } from './message-batch';

const kafka = (params: Record<string, unknown> = {}) => parseMessageSpec('kafkaFeed', { brokers: '127.0.0.1:9092', topic: 't', ...params });
const raw = (value: string | Buffer, position = '7', key?: string): RawMessage => ({
  lane: 't/0',
  position,
  value: Buffer.isBuffer(value) ? value : Buffer.from(value),
  ...(key !== undefined ? { key } : {}),
  meta: { topic: 't', partition: 0, offset: Number(position) },
});

describe('encodeMessage', () => {
  it('shapes a Kafka message as OpenWhisk\'s provider does: topic, partition, offset, key, value', () => {
    expect(encodeMessage(raw('hello', '7', 'k'), kafka())).toMatchObject({ lane: 't/0', position: '7', entry: { topic: 't', partition: 0, offset: 7, key: 'k', value: 'hello' } });
    expect(encodeMessage(raw('{"a":1}'), kafka({ isJSONData: true }))).toMatchObject({ entry: { key: null, value: { a: 1 } } });
    expect(encodeMessage(raw(Buffer.from([0, 255]), '1', 'k'), kafka({ isBinaryValue: 'true', isBinaryKey: true }))).toMatchObject({ entry: { key: Buffer.from('k').toString('base64'), value: 'AP8=' } });
  });

  it('skips what isJSONData cannot parse, and what alone would not fit a fire', () => {
    expect(encodeMessage(raw('not json'), kafka({ isJSONData: true }))).toEqual({ skip: 'notJson' });
    expect(encodeMessage(raw('x'.repeat(FIRE_BODY_LIMIT_BYTES)), kafka())).toEqual({ skip: 'oversize' });
  });

  it('gives NATS messages their subject, sequence and data', () => {
    const spec = parseMessageSpec('natsFeed', { servers: ['nats://127.0.0.1:4222'], subject: 'a.b', stream: 'S', isJSONData: true });
    expect(spec).toMatchObject({ servers: ['127.0.0.1:4222'], stream: 'S' });
    expect(encodeMessage({ lane: 'S', position: '3', value: Buffer.from('[1]'), meta: { subject: 'a.b', sequence: 3 } }, spec)).toMatchObject({ entry: { subject: 'a.b', sequence: 3, data: [1] } });
  });
});

describe('batching', () => {
  const limits = { batchSize: 3, batchWindowMs: 100, maxBytes: 100 };
  const sized = (...bytes: number[]) => bytes.map((b) => ({ bytes: b }));

  it('a batch holds at most batchSize messages and stays under the byte limit, but always takes one', () => {
    expect(batchLength(sized(10, 10, 10, 10), limits)).toBe(3);
    expect(batchLength(sized(45, 45, 45), limits)).toBe(1);
    expect(batchLength(sized(30, 30), limits)).toBe(2);
    expect(batchLength(sized(500), limits)).toBe(1);
    expect(batchLength([], limits)).toBe(0);
  });

  it('is due when full (by count or bytes) or when its oldest message waited the window', () => {
    expect(batchDue(sized(1, 1, 1), 0, 0, limits)).toEqual({ due: true });
    expect(batchDue(sized(60, 60), 0, 0, limits)).toEqual({ due: true });
    expect(batchDue(sized(1), 1000, 1050, limits)).toEqual({ due: false, at: 1100 });
    expect(batchDue(sized(1), 1000, 1100, limits)).toEqual({ due: true });
    expect(batchDue([], 0, 5000, limits)).toEqual({ due: false, at: Number.POSITIVE_INFINITY });
  });

  it('takes the batch options from the spec, validating them', () => {
    expect(batchLimits(kafka({ batchSize: '10', batchWindowMs: 0 }))).toEqual({ batchSize: 10, batchWindowMs: 0, maxBytes: FIRE_BODY_LIMIT_BYTES });
    expect(() => kafka({ batchSize: 0 })).toThrow(/batchSize parameter must be an integer from 1 to 10000/);
    expect(() => kafka({ batchWindowMs: 'soon' })).toThrow(/batchWindowMs/);
  });
});

describe('batchFireId', () => {
  it('is derived from the registration, the lane and the range, so the same batch redelivered has the same id', () => {
    expect(batchFireId('0123456789abcdef', 'orders/2', '10', '19')).toBe('0123456789abcdef-orders.2:10-19');
    expect(batchFireId('r', 'orders/2', '10', '19')).not.toBe(batchFireId('r', 'orders/3', '10', '19'));
    expect(batchFireId('r', 'orders/2', '10', '19')).not.toBe(batchFireId('r', 'orders/2', '10', '18'));
  });

  it('stays a valid X-Wisp-Fire-Id for the longest topic and offsets', () => {
    const id = batchFireId('0123456789abcdef', `${'t'.repeat(249)}/99`, '9223372036854775806', '9223372036854775807');
    expect(id).toMatch(/^[\w.:-]{1,128}$/);
  });
});

describe('parseMessageSpec', () => {
  it('takes brokers as a list or a comma-separated string', () => {
    expect(kafka({ brokers: ['a:1', 'b:2'] })).toMatchObject({ brokers: ['a:1', 'b:2'] });
    expect(kafka({ brokers: 'a:1, b:2' })).toMatchObject({ brokers: ['a:1', 'b:2'] });
  });

  it('names the parameter at fault', () => {
    expect(() => parseMessageSpec('kafkaFeed', { topic: 't' })).toThrow('kafkaFeed trigger feed is missing the brokers parameter');
    expect(() => parseMessageSpec('kafkaFeed', { brokers: 'a:1' })).toThrow('kafkaFeed trigger feed is missing the topic parameter');
    expect(() => kafka({ brokers: 'no-port' })).toThrow(/brokers parameter must be host:port/);
    expect(() => kafka({ isJSONData: 'yes' })).toThrow(/isJSONData parameter must be true or false/);
    expect(() => parseMessageSpec('natsFeed', { servers: 'a:1' })).toThrow('natsFeed trigger feed is missing the subject parameter');
  });
});
