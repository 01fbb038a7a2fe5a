import { LUA_KEYS } from './keys.js';
import { LuaScript } from './lua-script.js';

/**
 * Renews this instance's leases. ARGV: prefix, owner id, leaseMs, deadline,
 * run ids... A lease that lapsed while its run is still running (say, Redis
 * was restarted) is taken again, since nobody declared the owner lost; a run
 * that is no longer running is answered as lost.
 */
export const RENEW_LEASES = new LuaScript(`${LUA_KEYS}
local p = ARGV[1]
local lost = {}
for i = 5, #ARGV do
  local rid = ARGV[i]
  local rkey = k_run(p, rid)
  local lease = rkey .. ':lease'
  local holder = redis.call('GET', lease)
  if holder == ARGV[2] or (not holder and redis.call('HGET', rkey, 'state') == 'running') then
    redis.call('SET', lease, ARGV[2], 'PX', ARGV[3])
    redis.call('ZADD', p .. 'leases', ARGV[4], rid)
  else
    lost[#lost + 1] = rid
  end
end
return lost
`);

/**
 * Whoever notices a lapsed lease runs this; it acts once, atomically, and
 * only on runs that took a lease (listed in the leases sorted set).
 * ARGV: prefix, run id, now, owner_lost event JSON, internal event JSON,
 * run end JSON (owner_lost), maxEntries, closedTtlMs, deletedTtlMs (for a
 * log deleted while open).
 *
 * With the lease gone: a run still `running` becomes `failed` with
 * `owner_lost` and releases its session; a log left open gets the terminal
 * entry (`owner_lost`, or `internal` when the run had ended but its owner
 * died before writing the end). Answers 0 when the lease is alive or there
 * was nothing to do, else 1 (run failed) + 2 (log closed).
 */
export const CHECK_OWNER = new LuaScript(`${LUA_KEYS}
local p, rid = ARGV[1], ARGV[2]
local rkey = k_run(p, rid)
-- Only runs that took a lease (beginRun) and were not yet settled here.
if not redis.call('ZSCORE', p .. 'leases', rid) then return 0 end
if redis.call('EXISTS', rkey .. ':lease') == 1 then return 0 end
redis.call('ZREM', p .. 'leases', rid)
local result = 0
local event = ARGV[5]
if redis.call('HGET', rkey, 'state') == 'running' then
  event = ARGV[4]
  redis.call('HSET', rkey, 'state', 'failed', 'end', ARGV[6])
  local sid = redis.call('HGET', rkey, 'sid')
  local skey = k_session(p, sid)
  if redis.call('HGET', skey, 'active') == rid then
    redis.call('HDEL', skey, 'active')
    local last = tonumber(redis.call('HGET', skey, 'last') or '0')
    if tonumber(ARGV[3]) > last then
      redis.call('HSET', skey, 'last', ARGV[3])
      redis.call('ZADD', p .. 'sessions', ARGV[3], sid)
    end
  end
  result = 1
end
local meta, stream = k_log_meta(p, rid), k_log_stream(p, rid)
if redis.call('EXISTS', meta) == 1 and redis.call('HGET', meta, 'closed') ~= '1' then
  local seq = redis.call('HINCRBY', meta, 'seq', 1)
  redis.call('XADD', stream, 'MAXLEN', '~', ARGV[7], '0-' .. seq, 't', ARGV[3], 'e', event, 'k', 'owner-check')
  redis.call('HSET', meta, 'closed', '1')
  local ttl = ARGV[8]
  if redis.call('HGET', meta, 'deleted') == '1' then ttl = ARGV[9] end
  redis.call('PEXPIRE', meta, ttl)
  redis.call('PEXPIRE', stream, ttl)
  result = result + 2
end
return result
`);
