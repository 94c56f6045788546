import { Messages } from '../errors/messages';
import { PlatformError } from '../errors/platform-error';

// The /whisk.system/messaging feeds' parameters (apache/openwhisk-package-kafka's kafkaFeed, and
// Wisp's natsFeed beside it), validated at CREATE or UPDATE into a MessageSpec (pure). Batching
// options are Wisp's: OpenWhisk's provider batches by a fixed window and payload limit.

export const MESSAGE_FEEDS = ['kafkaFeed', 'natsFeed'] as const;
export type MessageFeed = (typeof MESSAGE_FEEDS)[number];

/** The fire body limit: a batch's JSON stays under it (OpenWhisk's provider keeps 900 000 B). */
export const FIRE_BODY_LIMIT_BYTES = 1_000_000;
export const DEFAULT_BATCH_SIZE = 100;
export const MAX_BATCH_SIZE = 10_000;
export const DEFAULT_BATCH_WINDOW_MS = 500;
export const MAX_BATCH_WINDOW_MS = 60_000;

interface Batching {
  readonly batchSize: number;
  readonly batchWindowMs: number;
}

export interface KafkaFeedSpec extends Batching {
  readonly feed: 'kafkaFeed';
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly isJSONData: boolean;
  readonly isBinaryKey: boolean;
  readonly isBinaryValue: boolean;
  /** Each partition's end offset when the feed was created: a new consumer group starts there, not at the log's start. */
  readonly startOffsets?: Readonly<Record<string, string>>;
}

export interface NatsFeedSpec extends Batching {
  readonly feed: 'natsFeed';
  readonly servers: readonly string[];
  readonly subject: string;
  /** A JetStream stream holding the subject: a durable consumer acked after each accepted fire. Without it, core NATS (at most once). */
  readonly stream?: string;
  /** The stream's next sequence when the feed was created: the durable consumer starts there. */
  readonly startSequence?: number;
  readonly isJSONData: boolean;
  readonly isBinaryValue: boolean;
}

export type MessageSpec = KafkaFeedSpec | NatsFeedSpec;

export function isMessageFeed(value: unknown): value is MessageFeed {
  return typeof value === 'string' && (MESSAGE_FEEDS as readonly string[]).includes(value);
}

/** The spec, or a 400 `feed-parameter-invalid` naming the first parameter at fault. */
export function parseMessageSpec(feed: MessageFeed, params: Readonly<Record<string, unknown>>): MessageSpec {
  const batching: Batching = {
    batchSize: intParam(params, 'batchSize', DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE),
    batchWindowMs: intParam(params, 'batchWindowMs', DEFAULT_BATCH_WINDOW_MS, 0, MAX_BATCH_WINDOW_MS),
  };
  const isJSONData = boolParam(params, 'isJSONData');
  const isBinaryValue = boolParam(params, 'isBinaryValue');
  if (isJSONData && isBinaryValue) invalid(Messages.feedParameterType('isBinaryValue', true, 'false when isJSONData is true'));
  if (feed === 'kafkaFeed') {
    return { feed, brokers: hostList(params, 'brokers'), topic: nameParam(params, 'topic', 'kafkaFeed', /^[\w.-]{1,249}$/), isJSONData, isBinaryKey: boolParam(params, 'isBinaryKey'), isBinaryValue, ...batching };
  }
  const stream = params.stream === undefined || params.stream === '' ? undefined : nameParam(params, 'stream', 'natsFeed', /^[\w-]{1,64}$/);
  return { feed, servers: hostList(params, 'servers'), subject: nameParam(params, 'subject', 'natsFeed', /^[^\s]{1,256}$/), ...(stream ? { stream } : {}), isJSONData, isBinaryValue, ...batching };
}

/** OpenWhisk's kafkaFeed takes `brokers` as a JSON list or a comma-separated string of host:port. */
function hostList(params: Readonly<Record<string, unknown>>, param: string): string[] {
  const raw = params[param];
  if (raw === undefined || raw === '' || (Array.isArray(raw) && raw.length === 0)) invalid(Messages.feedParameterMissing(param === 'brokers' ? 'kafkaFeed' : 'natsFeed', param));
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!items || items.some((item) => typeof item !== 'string')) return invalid(Messages.feedParameterType(param, raw, 'a list of host:port strings or one comma-separated string'));
  const hosts = (items as string[]).map((item) => item.trim().replace(/^nats:\/\//, '')).filter((item) => item !== '');
  for (const host of hosts) {
    const port = Number(host.slice(host.lastIndexOf(':') + 1));
    if (!/^[\w.[\]:-]+:\d{1,5}$/.test(host) || port < 1 || port > 65535) invalid(Messages.feedParameterType(param, host, 'host:port'));
  }
  if (hosts.length === 0 || hosts.length > 16) invalid(Messages.feedParameterType(param, raw, 'one to 16 host:port entries'));
  return hosts;
}

function nameParam(params: Readonly<Record<string, unknown>>, param: string, feed: string, pattern: RegExp): string {
  const value = params[param];
  if (value === undefined || value === '') return invalid(Messages.feedParameterMissing(feed, param));
  if (typeof value !== 'string' || !pattern.test(value)) return invalid(Messages.feedParameterType(param, value, `a name matching ${pattern.source}`));
  return value;
}

function boolParam(params: Readonly<Record<string, unknown>>, param: string): boolean {
  const value = params[param];
  if (value === undefined || value === '' || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  return invalid(Messages.feedParameterType(param, value, 'true or false'));
}

function intParam(params: Readonly<Record<string, unknown>>, param: string, fallback: number, min: number, max: number): number {
  const value = params[param];
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' || typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) return invalid(Messages.feedParameterType(param, value, `an integer from ${min} to ${max}`));
  return n;
}

function invalid(message: string): never {
  throw new PlatformError('feed-parameter-invalid', message);
}
