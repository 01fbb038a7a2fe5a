import { LuaScript } from './lua-script.js';

// An approval is a hash { r (record JSON), sid, name, exp, d? (decision JSON), dt? }.

/**
 * KEYS: approval. ARGV: record JSON, session id, tool name, expiresAt, ttlMs, retry (0/1).
 * Answers 1, or 0 when the id is taken (a retry finding its own first try answers 1).
 */
export const CREATE_APPROVAL = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  if ARGV[6] == '1' and redis.call('HGET', KEYS[1], 'r') == ARGV[1] then return 1 end
  return 0
end
redis.call('HSET', KEYS[1], 'r', ARGV[1], 'sid', ARGV[2], 'name', ARGV[3], 'exp', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`);

/**
 * The compare-and-set of a decision, with the expiry check and the session's
 * approved set in the same atomic step, then the publish that wakes waiters.
 * KEYS: approval. ARGV: prefix, decision JSON, now, approved (0/1),
 * allowToolType (0/1), a person's decision (0/1), the expired decision JSON,
 * channel, approved-set ttlMs, call token.
 *
 * A person's decision that arrives at or after `exp` stores the expired
 * denial instead (so it can never approve late) and answers with it.
 * Answers `{'ok'}`, `{'not_found'}` or `{'already_decided', decision JSON}`.
 */
export const DECIDE = new LuaScript(`
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {'not_found'} end
local stored = redis.call('HGET', key, 'd')
if stored then
  -- A retry of this very call (its answer was lost) finds its own decision.
  if redis.call('HGET', key, 'dt') == ARGV[10] then return {'ok'} end
  return {'already_decided', stored}
end
if ARGV[6] == '1' and tonumber(ARGV[3]) >= tonumber(redis.call('HGET', key, 'exp')) then
  redis.call('HSET', key, 'd', ARGV[7], 'dt', 'expired')
  redis.call('PUBLISH', ARGV[8], ARGV[7])
  return {'already_decided', ARGV[7]}
end
redis.call('HSET', key, 'd', ARGV[2], 'dt', ARGV[10])
if ARGV[4] == '1' and ARGV[5] == '1' then
  local allowed = ARGV[1] .. 'allowed:' .. redis.call('HGET', key, 'sid')
  redis.call('SADD', allowed, redis.call('HGET', key, 'name'))
  redis.call('PEXPIRE', allowed, ARGV[9])
end
redis.call('PUBLISH', ARGV[8], ARGV[2])
return {'ok'}
`);
