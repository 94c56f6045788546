import { defineScript } from './redis-scripts';

// The throttle counters as Lua scripts: each check is one atomic step on the server, and every
// controller reads the same clock (the server's TIME), so windows and deadlines agree across
// controllers whatever their own clocks say.

const SERVER_TIME_MS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function num(n) return string.format('%.0f', n) end
`;

/**
 * KEYS: the counter's base key; the window's own key is "<base>:<window index>", derived here
 * from the server clock. ARGV: window ms. Returns the count in the current window, this hit included.
 */
export const THROTTLE_HIT = defineScript(
  'throttleHit',
  `${SERVER_TIME_MS}
local window_ms = tonumber(ARGV[1])
local index = math.floor(now / window_ms)
local key = KEYS[1] .. ':' .. num(index)
local count = redis.call('INCR', key)
-- a window's counter outlives its window by a little, never more
if count == 1 then redis.call('PEXPIREAT', key, num((index + 1) * window_ms + 1000)) end
return count
`,
);

/**
 * KEYS: the namespace's in-flight sorted set (member activation id, score deadline ms).
 * ARGV: activation id, deadline ms, limit. Returns {granted 0|1, live count}.
 */
export const THROTTLE_ACQUIRE = defineScript(
  'throttleAcquire',
  `${SERVER_TIME_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', num(now))
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
local count = redis.call('ZCARD', KEYS[1])
if not held and count >= tonumber(ARGV[3]) then return {0, count} end
local deadline = tonumber(ARGV[2])
if deadline > now then
  redis.call('ZADD', KEYS[1], num(deadline), ARGV[1])
  if not held then count = count + 1 end
  -- the set lives exactly as long as its latest deadline: an idle namespace leaves no key behind
  local latest = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  redis.call('PEXPIREAT', KEYS[1], num(tonumber(latest[2]) + 1))
end
return {1, count}
`,
);

/** KEYS: the in-flight set. Returns the live count (ids whose deadline has not passed). */
export const THROTTLE_IN_FLIGHT = defineScript(
  'throttleInFlight',
  `${SERVER_TIME_MS}
return redis.call('ZCOUNT', KEYS[1], '(' .. num(now), '+inf')
`,
);
