import { defineScript } from './redis-scripts';

// The activation store's scripts (redis-activation-store.ts): create with every index the record
// is in, pages and counts over those indexes, and the claim. Shared rules of all scripts are in
// redis-scripts.ts.

// Drops index entries of records past retention. The expiry set holds, scored by expiry time,
// "<id>\n<name>" (records written before ADR 0023) or "<id>\n<name>\n<status>\n<start kind>\n<cause>\n<trigger>",
// from which every index the record is in follows (activation-index.ts's selectors, the key
// layout of redis-activation-store.ts), and its entry in the meta hash.
const PRUNE_EXPIRED = `
local function split(member)
  local parts = {}
  local from = 1
  while true do
    local at = string.find(member, '\\n', from, true)
    if not at then parts[#parts + 1] = string.sub(member, from) return parts end
    parts[#parts + 1] = string.sub(member, from, at - 1)
    from = at + 1
  end
end
local function drop_indexes(filter_prefix, cause_prefix, trigger_prefix, meta, parts)
  local id, name, status, kind, cause, trigger = parts[1], parts[2], parts[3], parts[4], parts[5], parts[6]
  if not status then return end
  local n, s = 'n' .. name, 's' .. status
  redis.call('ZREM', filter_prefix .. s, id)
  redis.call('ZREM', filter_prefix .. n .. ':' .. s, id)
  if kind ~= '' then
    local k = 'k' .. kind
    redis.call('ZREM', filter_prefix .. k, id)
    redis.call('ZREM', filter_prefix .. s .. ':' .. k, id)
    redis.call('ZREM', filter_prefix .. n .. ':' .. k, id)
    redis.call('ZREM', filter_prefix .. n .. ':' .. s .. ':' .. k, id)
  end
  if cause ~= '' then redis.call('ZREM', cause_prefix .. cause, id) end
  if trigger and trigger ~= '' then redis.call('ZREM', trigger_prefix .. trigger, id) end
  redis.call('HDEL', meta, id)
end
-- none_expired is a key that exists only while no entry of the expiry set is due: it expires
-- itself (PXAT) when the oldest entry does, a create with a sooner expiry brings it forward, and
-- a prune that emptied the due entries sets it again. While it exists, prune has nothing to do
-- and a count needs no script at all (redis-activation-store.ts).
local function prune(namespace_index, expiry, name_index_prefix, budget, filter_prefix, cause_prefix, trigger_prefix, meta, none_expired)
  if redis.call('EXISTS', none_expired) == 1 then return end
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  while budget > 0 do
    local gone = redis.call('ZRANGEBYSCORE', expiry, '-inf', string.format('%.0f', now), 'LIMIT', 0, 500)
    if #gone == 0 then
      local oldest = redis.call('ZRANGE', expiry, 0, 0, 'WITHSCORES')
      if oldest[2] then redis.call('SET', none_expired, '1', 'PXAT', oldest[2]) end
      return
    end
    for _, member in ipairs(gone) do
      local parts = split(member)
      local id = parts[1]
      redis.call('ZREM', namespace_index, id)
      redis.call('ZREM', name_index_prefix .. parts[2], id)
      drop_indexes(filter_prefix, cause_prefix, trigger_prefix, meta, parts)
      redis.call('ZREM', expiry, member)
    end
    budget = budget - #gone
  end
end
`;

// The record-by-record check of activation-index.ts against the meta hash's
// "<status>\t<start kind>\t<duration>\t<cause>\t<name>\t<trigger>". A record without meta (written before
// ADR 0023) matches no checked filter.
const MATCHES = `
local function matcher(meta, f_name, f_status, f_kind, f_cause, f_min, f_trigger)
  return function(id)
    local value = redis.call('HGET', meta, id)
    if not value then return false end
    local a = string.find(value, '\\t', 1, true)
    local b = string.find(value, '\\t', a + 1, true)
    local c = string.find(value, '\\t', b + 1, true)
    local d = string.find(value, '\\t', c + 1, true)
    local e = string.find(value, '\\t', d + 1, true)
    if f_status ~= '' and string.sub(value, 1, a - 1) ~= f_status then return false end
    if f_kind ~= '' and string.sub(value, a + 1, b - 1) ~= f_kind then return false end
    if f_min ~= '' and tonumber(string.sub(value, b + 1, c - 1)) < tonumber(f_min) then return false end
    if f_cause ~= '' and string.sub(value, c + 1, d - 1) ~= f_cause then return false end
    if f_name ~= '' and string.sub(value, d + 1, e - 1) ~= f_name then return false end
    if f_trigger ~= '' and string.sub(value, e + 1) ~= f_trigger then return false end
    return true
  end
end
`;

/**
 * KEYS: record, logs, expiry set, meta hash, none-expired marker, then every index the record goes into.
 * ARGV: record JSON without logs, start, index member (escaped id), retention ms, expiry member,
 * meta value, logs JSON.
 * Returns 1 when created, 0 when the id exists.
 */
export const ACTIVATION_CREATE = defineScript(
  'activationCreate',
  `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[4]) then return 0 end
-- the logs live and die with the record: same write, same expiry
redis.call('SET', KEYS[2], ARGV[7], 'PX', ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expires = string.format('%.0f', now + tonumber(ARGV[4]))
redis.call('ZADD', KEYS[3], expires, ARGV[5])
-- a store with a shorter retention writes an entry due before the marker's time: bring it forward
redis.call('PEXPIREAT', KEYS[5], expires, 'LT')
redis.call('HSET', KEYS[4], ARGV[3], ARGV[6])
for i = 6, #KEYS do redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3]) end
-- an index outlives its newest record by nothing: an idle namespace leaves no keys behind
redis.call('PEXPIRE', KEYS[3], ARGV[4])
redis.call('PEXPIRE', KEYS[4], ARGV[4])
for i = 6, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
return 1
`,
);

/**
 * KEYS: the driving index, namespace index, expiry set, meta hash, none-expired marker.
 * ARGV: 1 record key prefix, 2 name index prefix, 3 filter index prefix, 4 cause index prefix,
 * 5 max score, 6 min score, 7 skip, 8 limit, 9 prune budget, 10 checked (1/0), 11 after start
 * ('' for none), 12 after id, 13-18 name, status, start kind, cause, minDuration, trigger ('' for
 * none), 19 scan budget, 20 trigger index prefix, 21 with logs (1/0), 22 logs key prefix.
 * Returns {next start, next id, record JSON...}, newest (start, id) first, each record followed
 * by its logs JSON (nil when it has no logs key) when ARGV[21] is 1; next '' when the range is
 * exhausted.
 */
export const ACTIVATION_PAGE = defineScript(
  'activationPage',
  `${PRUNE_EXPIRED}${MATCHES}
prune(KEYS[2], KEYS[3], ARGV[2], tonumber(ARGV[9]), ARGV[3], ARGV[4], ARGV[20], KEYS[4], KEYS[5])
local with_logs = ARGV[21] == '1'
local checked = ARGV[10] == '1'
local ok = matcher(KEYS[4], ARGV[13], ARGV[14], ARGV[15], ARGV[16], ARGV[17], ARGV[18])
local max = ARGV[5]
local after_start, after_id = ARGV[11], ARGV[12]
local has_after = after_start ~= ''
if has_after and (max == '+inf' or tonumber(after_start) < tonumber(max)) then max = after_start end
local skip, limit, budget = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[19])
local offset = 0
-- without checks or a cursor the skip is an offset into the index
if not checked and not has_after then offset, skip = skip, 0 end
local batch_size = checked and 200 or math.max(limit, 50)
local found, scanned = 0, 0
local last_score, last_id = nil, nil
-- the page's ids first, then its records (and logs) in one MGET each
local picked = {}
local function finish(next_score, next_id)
  local out = {next_score or '', next_id or ''}
  if #picked == 0 then return out end
  local keys = {}
  for j, id in ipairs(picked) do keys[j] = ARGV[1] .. id end
  local records = redis.call('MGET', unpack(keys))
  local logs = nil
  if with_logs then
    for j, id in ipairs(picked) do keys[j] = ARGV[22] .. id end
    logs = redis.call('MGET', unpack(keys))
  end
  for j, id in ipairs(picked) do
    if records[j] then
      out[#out + 1] = records[j]
      if with_logs then out[#out + 1] = logs[j] end
    else
      -- gone without passing through the expiry set (evicted): forget it here; the page is
      -- one short, as a page may be
      redis.call('ZREM', KEYS[1], id)
      redis.call('ZREM', KEYS[2], id)
    end
  end
  return out
end
while true do
  local batch = redis.call('ZREVRANGEBYSCORE', KEYS[1], max, ARGV[6], 'WITHSCORES', 'LIMIT', offset, batch_size)
  if #batch == 0 then return finish() end
  offset = offset + #batch / 2
  for i = 1, #batch, 2 do
    local id, score = batch[i], batch[i + 1]
    if not (has_after and tonumber(score) == tonumber(after_start) and id >= after_id) then
      scanned = scanned + 1
      last_score, last_id = score, id
      if not checked or ok(id) then
        if skip > 0 then
          skip = skip - 1
        else
          picked[#picked + 1] = id
          found = found + 1
          if found >= limit then return finish(last_score, last_id) end
        end
      end
      if checked and scanned >= budget then return finish(last_score, last_id) end
    end
  end
end
`,
);

/**
 * KEYS: the driving index, namespace index, expiry set, meta hash, none-expired marker.
 * ARGV: name index prefix, max, min, prune budget, filter index prefix, cause index prefix,
 * checked (1/0), name, status, start kind, cause, minDuration, trigger, scan budget, trigger
 * index prefix.
 * Returns the count, or -1 when a checked count would scan past its budget.
 */
export const ACTIVATION_COUNT = defineScript(
  'activationCount',
  `${PRUNE_EXPIRED}${MATCHES}
prune(KEYS[2], KEYS[3], ARGV[1], tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[15], KEYS[4], KEYS[5])
if ARGV[7] ~= '1' then return redis.call('ZCOUNT', KEYS[1], ARGV[3], ARGV[2]) end
local budget = tonumber(ARGV[14])
if redis.call('ZCOUNT', KEYS[1], ARGV[3], ARGV[2]) > budget then return -1 end
local ok = matcher(KEYS[4], ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12], ARGV[13])
local count, offset = 0, 0
while true do
  local ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[3], 'LIMIT', offset, 500)
  if #ids == 0 then return count end
  offset = offset + #ids
  for _, id in ipairs(ids) do
    if ok(id) then count = count + 1 end
  end
end
`,
);

/**
 * KEYS: the driving index, none-expired marker. ARGV: min, max.
 * Returns the count, or -2 when the marker is gone (some record may be due for pruning: count
 * with ACTIVATION_COUNT instead). The count's common path: nothing to prune and no check, so no
 * clock, no expiry set and no long script to run.
 */
export const ACTIVATION_COUNT_IF_NONE_EXPIRED = defineScript(
  'activationCountIfNoneExpired',
  `
if redis.call('EXISTS', KEYS[2]) == 0 then return -2 end
return redis.call('ZCOUNT', KEYS[1], ARGV[1], ARGV[2])
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
