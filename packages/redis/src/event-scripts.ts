import { LuaScript } from './lua-script.js';

/**
 * How long a log deleted while open lasts once it closes (at most
 * `closedTtlMs`): followers on other instances have this long to read its end.
 */
export function deletedLogTtlMs(closedTtlMs: number): number {
  return Math.min(closedTtlMs, 10_000);
}

/**
 * Appends one event. KEYS: meta, stream. ARGV: event JSON, timestamp,
 * terminal (0/1), maxEntries, closedTtlMs, idleTtlMs, writer token, retry (0/1),
 * deletedTtlMs (what a deleted log keeps once it closes).
 *
 * Seq comes from HINCRBY in the same script as the XADD, so it is strictly
 * increasing and gap-free, and the stream id is `0-<seq>`. On a retry the
 * token finds an entry that was stored before its answer was lost, so a
 * retried append is never stored twice.
 *
 * Answers `{'ok', seq}`, `{'dup', seq, timestamp}`, `{'closed'}` or `{'missing'}`.
 */
export const APPEND = new LuaScript(`
local meta, stream = KEYS[1], KEYS[2]
if ARGV[8] == '1' then
  local recent = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1000)
  for _, entry in ipairs(recent) do
    local fields = entry[2]
    for i = 1, #fields, 2 do
      if fields[i] == 'k' and fields[i + 1] == ARGV[7] then
        local t = '0'
        for j = 1, #fields, 2 do if fields[j] == 't' then t = fields[j + 1] end end
        return {'dup', string.sub(entry[1], 3), t}
      end
    end
  end
end
if redis.call('EXISTS', meta) == 0 then return {'missing'} end
if redis.call('HGET', meta, 'closed') == '1' then return {'closed'} end
local seq = redis.call('HINCRBY', meta, 'seq', 1)
redis.call('XADD', stream, 'MAXLEN', '~', ARGV[4], '0-' .. seq, 't', ARGV[2], 'e', ARGV[1], 'k', ARGV[7])
local ttl = ARGV[6]
if ARGV[3] == '1' then
  redis.call('HSET', meta, 'closed', '1')
  ttl = ARGV[5]
  if redis.call('HGET', meta, 'deleted') == '1' then ttl = ARGV[9] end
end
redis.call('PEXPIRE', meta, ttl)
redis.call('PEXPIRE', stream, ttl)
return {'ok', seq}
`);

/** Creates a log. KEYS: meta. ARGV: meta JSON, idleTtlMs. Answers 1, or 0 when the id is taken. */
export const CREATE_LOG = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'seq', 0, 'closed', 0, 'meta', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

/**
 * One page of a reader, atomically with the log's state. KEYS: meta, stream.
 * ARGV: first stream id wanted, count. Answers `{exists, closed, entries}`.
 */
export const READ_PAGE = new LuaScript(`
local state = redis.call('HMGET', KEYS[1], 'seq', 'closed')
if not state[1] then return {0, 0, {}} end
local closed = 0
if state[2] == '1' then closed = 1 end
return {1, closed, redis.call('XRANGE', KEYS[2], ARGV[1], '+', 'COUNT', ARGV[2])}
`);

/**
 * Deletes a log. KEYS: meta, stream. ARGV: deletedTtlMs. Marks it `deleted`
 * (nobody opens it again) and answers 1; answers 0 for an unknown log. A
 * closed log expires within `deletedTtlMs` (never later than it would
 * have); an open one keeps its writer, and once it closes it lasts only
 * `deletedTtlMs` (see APPEND). Never an instant DEL: a reader on another
 * instance that is following the log still gets to read its end.
 */
export const DELETE_LOG = new LuaScript(`
local closed = redis.call('HGET', KEYS[1], 'closed')
if not closed then return 0 end
redis.call('HSET', KEYS[1], 'deleted', '1')
if closed == '1' then
  for _, key in ipairs(KEYS) do
    local left = redis.call('PTTL', key)
    if left < 0 or left > tonumber(ARGV[1]) then redis.call('PEXPIRE', key, ARGV[1]) end
  end
end
return 1
`);
