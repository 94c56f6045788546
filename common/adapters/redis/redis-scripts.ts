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
