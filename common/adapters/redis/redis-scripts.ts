import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

// Every multi-key write of the Redis stores is one Lua script, so a failed check writes nothing
// and a reader never sees half a write. Scripts run by SHA and are loaded on NOSCRIPT, without
// defineCommand, because a shared client belongs to the caller and is not ours to extend.
// Scripts name their keys in KEYS except where the key follows from data read inside the script
// (list results, expired index members); those are built from a prefix passed in ARGV.

export interface RedisScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

export function defineScript(name: string, source: string): RedisScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

export async function runScript(redis: Redis, script: RedisScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(script.source, keys.length, ...keys, ...args);
  }
}

// Server time in whole units, formatted without exponent (Lua's tostring would round it).
const SERVER_TIME = `
local function server_time_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local function num(n) return string.format('%.0f', n) end
`;

/**
 * KEYS: document hash, index of the document's type.
 * ARGV: doc JSON, type, 'create' | 'update', expected revision, random revision suffix, index member.
 * Returns {1, revision} or {0, reason}.
 */
export const ENTITY_PUT = defineScript(
  'entityPut',
  `${SERVER_TIME}
local current = redis.call('HMGET', KEYS[1], 't', 'r', 'g')
if current[1] then
  if current[1] ~= ARGV[2] then return {0, 'wrong-type'} end
  if ARGV[3] == 'create' then return {0, 'exists'} end
  if current[2] ~= ARGV[4] then return {0, 'revision-conflict'} end
elseif ARGV[3] == 'update' then
  return {0, 'revision-conflict'}
end
local generation = (tonumber(current[3]) or 0) + 1
local revision = num(generation) .. '-' .. ARGV[5]
-- newest first by write time; strictly increasing so that writes in one microsecond keep their order
local score = server_time_us()
local top = redis.call('ZREVRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if top[2] and tonumber(top[2]) >= score then score = tonumber(top[2]) + 1 end
redis.call('HSET', KEYS[1], 'd', ARGV[1], 't', ARGV[2], 'r', revision, 'g', num(generation))
redis.call('ZADD', KEYS[2], num(score), ARGV[6])
return {1, revision}
`,
);

/**
 * KEYS: document hash, then the index of every entity type, in the order of ARGV[4..].
 * ARGV: 'any' | 'match', expected revision, index member, entity types...
 * Returns 1 when it deleted.
 */
export const ENTITY_DELETE = defineScript(
  'entityDelete',
  `
local current = redis.call('HMGET', KEYS[1], 't', 'r')
if not current[1] then return 0 end
if ARGV[1] == 'match' and current[2] ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
for i = 4, #ARGV do
  if ARGV[i] == current[1] then redis.call('ZREM', KEYS[i - 2], ARGV[3]) end
end
return 1
`,
);

/**
 * KEYS: a type index. ARGV: document key prefix, skip, limit.
 * Returns {doc, revision, doc, revision, ...} newest first.
 */
export const ENTITY_LIST = defineScript(
  'entityList',
  `
local skip = tonumber(ARGV[2])
local members = redis.call('ZREVRANGE', KEYS[1], skip, skip + tonumber(ARGV[3]) - 1)
local out = {}
for _, member in ipairs(members) do
  local value = redis.call('HMGET', ARGV[1] .. member, 'd', 'r')
  if value[1] then
    out[#out + 1] = value[1]
    out[#out + 1] = value[2]
  end
end
return out
`,
);

// Drops index entries of records past retention: the expiry set holds "<id>" newline "<name>" scored by
// expiry time, so both the namespace index and the name index can be cleaned.
const PRUNE_EXPIRED = `
local function prune(namespace_index, expiry, name_index_prefix, budget)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  while budget > 0 do
    local gone = redis.call('ZRANGEBYSCORE', expiry, '-inf', string.format('%.0f', now), 'LIMIT', 0, 500)
    if #gone == 0 then return end
    for _, member in ipairs(gone) do
      local newline = string.find(member, '\\n', 1, true)
      local id = string.sub(member, 1, newline - 1)
      redis.call('ZREM', namespace_index, id)
      redis.call('ZREM', name_index_prefix .. string.sub(member, newline + 1), id)
      redis.call('ZREM', expiry, member)
    end
    budget = budget - #gone
  end
end
`;

/**
 * KEYS: record, namespace index, name index, expiry set.
 * ARGV: record JSON, start, index member (escaped id), retention ms, expiry member.
 * Returns 1 when created, 0 when the id exists.
 */
export const ACTIVATION_CREATE = defineScript(
  'activationCreate',
  `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[4]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[4], string.format('%.0f', now + tonumber(ARGV[4])), ARGV[5])
-- an index outlives its newest record by nothing: an idle namespace leaves no keys behind
for i = 2, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
return 1
`,
);

/**
 * KEYS: the queried index (namespace or name), namespace index, expiry set.
 * ARGV: record key prefix, name index prefix, max score, min score, skip, limit, prune budget.
 * Returns record JSONs, newest start first.
 */
export const ACTIVATION_LIST = defineScript(
  'activationList',
  `${PRUNE_EXPIRED}
prune(KEYS[2], KEYS[3], ARGV[2], tonumber(ARGV[7]))
local ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[3], ARGV[4], 'LIMIT', ARGV[5], ARGV[6])
local out = {}
for _, id in ipairs(ids) do
  local record = redis.call('GET', ARGV[1] .. id)
  if record then
    out[#out + 1] = record
  else
    -- gone without passing through the expiry set (evicted): forget it here
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
  end
end
return out
`,
);

/**
 * KEYS: the queried index, namespace index, expiry set. ARGV: name index prefix, max, min, prune budget.
 */
export const ACTIVATION_COUNT = defineScript(
  'activationCount',
  `${PRUNE_EXPIRED}
prune(KEYS[2], KEYS[3], ARGV[1], tonumber(ARGV[4]))
return redis.call('ZCOUNT', KEYS[1], ARGV[3], ARGV[2])
`,
);

/**
 * KEYS: claim, attempt counter. ARGV: holder, claim ttl ms, attempt counter ttl ms, superseded
 * holder ('' for none). Returns {1, attempt} when granted, {0, holder} when a live claim of
 * another holder exists.
 */
export const ACTIVATION_CLAIM = defineScript(
  'activationClaim',
  `
local holder = redis.call('GET', KEYS[1])
if holder and (ARGV[4] == '' or holder ~= ARGV[4]) then return {0, holder} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local attempt = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return {1, attempt}
`,
);
