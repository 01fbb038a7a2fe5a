import { LUA_KEYS } from './keys.js';
import { LuaScript } from './lua-script.js';

// Sessions are hashes { data (JSON: sessionId, createdAt, meta), last, active? };
// runs are hashes { data (JSON: the record at start), sid, state, end? (JSON) }.
const TOUCH = `
local function touch(p, sid, at)
  local key = k_session(p, sid)
  local last = tonumber(redis.call('HGET', key, 'last') or '0')
  if tonumber(at) > last then
    redis.call('HSET', key, 'last', at)
    redis.call('ZADD', p .. 'sessions', at, sid)
  end
end
local function delete_session(p, sid)
  local key = k_session(p, sid)
  for _, rid in ipairs(redis.call('LRANGE', key .. ':runs', 0, -1)) do
    redis.call('DEL', k_run(p, rid), k_run(p, rid) .. ':cancel')
  end
  redis.call('DEL', key, key .. ':history', key .. ':runs')
  redis.call('ZREM', p .. 'sessions', sid)
end
`;

/**
 * ARGV: prefix, session id, data JSON, lastActiveAt, retry (0/1).
 * Answers 1, or 0 when the id is taken (a retry finding its own first try answers 1).
 */
export const CREATE_SESSION = new LuaScript(`${LUA_KEYS}
local key = k_session(ARGV[1], ARGV[2])
if redis.call('EXISTS', key) == 1 then
  if ARGV[5] == '1' and redis.call('HGET', key, 'data') == ARGV[3] then return 1 end
  return 0
end
redis.call('HSET', key, 'data', ARGV[3], 'last', ARGV[4])
redis.call('ZADD', ARGV[1] .. 'sessions', ARGV[4], ARGV[2])
return 1
`);

/**
 * The one-active-run lock, the run record and the owner lease in one step.
 * ARGV: prefix, run id, session id, data JSON, startedAt, owner id, leaseMs,
 * lease deadline, maxRunsPerSession.
 */
export const BEGIN_RUN = new LuaScript(`${LUA_KEYS}${TOUCH}
local p, rid, sid = ARGV[1], ARGV[2], ARGV[3]
local skey, rkey = k_session(p, sid), k_run(p, rid)
if redis.call('EXISTS', skey) == 0 then return 'session_not_found' end
local active = redis.call('HGET', skey, 'active')
if active then
  -- A retry of this very call (its answer was lost) finds its own lock.
  if active == rid and redis.call('HGET', rkey, 'data') == ARGV[4] then return 'ok' end
  return 'run_active'
end
if redis.call('EXISTS', rkey) == 1 then return 'run_taken' end
redis.call('HSET', skey, 'active', rid)
redis.call('HSET', rkey, 'data', ARGV[4], 'sid', sid, 'state', 'running')
local runs = skey .. ':runs'
redis.call('RPUSH', runs, rid)
while redis.call('LLEN', runs) > tonumber(ARGV[9]) do
  local oldest = redis.call('LPOP', runs)
  redis.call('DEL', k_run(p, oldest), k_run(p, oldest) .. ':cancel')
end
touch(p, sid, ARGV[5])
redis.call('SET', rkey .. ':lease', ARGV[6], 'PX', ARGV[7])
redis.call('ZADD', p .. 'leases', ARGV[8], rid)
return 'ok'
`);

/**
 * ARGV: prefix, run id, state, end JSON, history JSON, endedAt.
 * Writing the same end twice gives the same result, so a retry is harmless.
 */
export const END_RUN = new LuaScript(`${LUA_KEYS}${TOUCH}
local p, rid = ARGV[1], ARGV[2]
local rkey = k_run(p, rid)
if redis.call('EXISTS', rkey) == 0 then return 0 end
redis.call('HSET', rkey, 'state', ARGV[3], 'end', ARGV[4])
local sid = redis.call('HGET', rkey, 'sid')
local skey = k_session(p, sid)
if redis.call('EXISTS', skey) == 0 then return 1 end
redis.call('SET', skey .. ':history', ARGV[5])
if redis.call('HGET', skey, 'active') == rid then redis.call('HDEL', skey, 'active') end
touch(p, sid, ARGV[6])
return 1
`);

/** ARGV: prefix, session id. Answers 1 when it existed. */
export const DELETE_SESSION = new LuaScript(`${LUA_KEYS}${TOUCH}
if redis.call('EXISTS', k_session(ARGV[1], ARGV[2])) == 0 then return 0 end
delete_session(ARGV[1], ARGV[2])
return 1
`);

/**
 * Removes a session for `prune` when it holds no run and was last active
 * before the threshold. ARGV: prefix, session id, threshold (ms).
 * Answers 1 (removed), 0 (kept) or -1 (it was already gone).
 */
export const PRUNE_SESSION = new LuaScript(`${LUA_KEYS}${TOUCH}
local key = k_session(ARGV[1], ARGV[2])
if redis.call('EXISTS', key) == 0 then
  redis.call('ZREM', ARGV[1] .. 'sessions', ARGV[2])
  return -1
end
if redis.call('HEXISTS', key, 'active') == 1 then return 0 end
if tonumber(redis.call('HGET', key, 'last')) >= tonumber(ARGV[3]) then return 0 end
delete_session(ARGV[1], ARGV[2])
return 1
`);

/** KEYS: counter. ARGV: channel, ttlMs. Counts the request and publishes the count. */
export const REQUEST_CANCEL = new LuaScript(`
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[1], n)
return n
`);
